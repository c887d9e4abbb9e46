import type { ConfigIssue } from '../../config/issues.ts';
import type { LoadedConfig } from '../../config/load.ts';
import type { TemplateSegment } from '../../config/openapi.ts';
import { normaliseHost } from '../../http/canonical-headers.ts';
import { isReservedPath, RESERVED_PATH_PREFIXES } from '../local/endpoint.ts';
import { RouteTable, type RouteTarget } from './router.ts';

/**
 * Builds the route table of every API on every host it serves. Two APIs that would answer
 * the same method and path on the same host are a configuration error, not a tie to break.
 */
export function compileRoutes(loaded: LoadedConfig, issues: ConfigIssue[]): RouteTable {
  const table = new RouteTable();
  for (const api of loaded.apis.values()) {
    const base: TemplateSegment[] =
      api.config.basePath === '/'
        ? []
        : api.config.basePath
            .slice(1)
            .split('/')
            .map((value) => ({ kind: 'literal', value }));
    const basePrefix = api.config.basePath === '/' ? '' : api.config.basePath;
    const reported = new Set<string>();
    api.config.hosts.forEach((host, index) => {
      const entry = normaliseHost(host);
      if (entry === undefined) {
        issues.push(
          loaded.gatewaySource.issue(
            ['apis', api.name, 'hosts', index],
            'must be a host name or address, optionally with :port',
          ),
        );
        return;
      }
      const routes = table.routesFor(entry);
      for (const operation of api.spec.operations) {
        const target: RouteTarget = {
          api: api.name,
          operation,
          template: basePrefix + operation.template,
          paramNames: paramNames(operation.segments),
        };
        if (isReservedPath(target.template)) {
          if (index > 0 || reported.has(operation.template)) continue;
          reported.add(operation.template);
          issues.push(
            api.spec.source.issue(
              ['paths', operation.template],
              `${target.template} is under a path the gateway reserves for itself (${RESERVED_PATH_PREFIXES.join(', ')})`,
              true,
            ),
          );
          continue;
        }
        const existing = routes.add([...base, ...operation.segments], operation.method, target);
        if (existing !== undefined) {
          issues.push(
            api.spec.source.issue(
              ['paths', operation.template, operation.method.toLowerCase()],
              `on host ${entry}, ${operation.method} ${target.template} conflicts with ${existing.operation.method} ${existing.template} of API \`${existing.api}\``,
              true,
            ),
          );
        }
      }
    });
  }
  return table;
}

function paramNames(segments: readonly TemplateSegment[]): string[] {
  const names: string[] = [];
  for (const s of segments) {
    if (s.kind === 'param') names.push(s.name);
    else if (s.kind === 'pattern') names.push(...s.names);
  }
  return names;
}
