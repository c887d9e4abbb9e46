import { type HeaderRules, inspectRawHeaders } from '../../http/canonical-headers.ts';
import { canonicaliseTarget, type TargetLimits } from '../../http/canonical-target.ts';
import type { Exchange } from '../exchange.ts';
import type { LocalEndpoint } from '../local/endpoint.ts';
import { type Denial, deny, type Stage } from '../stage.ts';
import type { RouteTable } from './router.ts';

export interface RouteStageOptions {
  readonly table: RouteTable;
  readonly limits: TargetLimits;
  readonly headers: HeaderRules;
  readonly localEndpoints: readonly LocalEndpoint[];
}

const HOST_NOT_SERVED = deny('host_not_allowed', 'This gateway does not serve the requested host.');
const NO_ROUTE = deny('route_not_found', 'No operation matches this path.');

function methodNotAllowed(allow: string): Denial {
  return deny('method_not_allowed', 'This path does not accept this method.', { headers: { allow } });
}

/**
 * Normalise and route: the raw headers and request target must be in canonical form, then
 * Host, method and path select exactly one gateway endpoint or OpenAPI operation.
 */
export function createRouteStage(options: RouteStageOptions): Stage {
  const { table, limits, headers } = options;
  const locals = new Map<string, Map<string, LocalEndpoint>>();
  for (const endpoint of options.localEndpoints) {
    let byMethod = locals.get(endpoint.path);
    if (byMethod === undefined) {
      byMethod = new Map();
      locals.set(endpoint.path, byMethod);
    }
    if (byMethod.has(endpoint.method))
      throw new TypeError(`two local endpoints for ${endpoint.method} ${endpoint.path}`);
    byMethod.set(endpoint.method, endpoint);
  }

  return function route(ex: Exchange): Denial | undefined {
    const facts = inspectRawHeaders(ex.req.rawHeaders, headers);
    if ('code' in facts) return facts;
    ex.host = facts.host;
    const target = canonicaliseTarget(ex.req.url ?? '', limits);
    if ('code' in target) return target;
    ex.target = target;
    const routes = table.lookup(facts.host);
    if (routes === undefined) return HOST_NOT_SERVED;
    const method = ex.req.method ?? '';
    const local = locals.get(target.path);
    if (local !== undefined) {
      const endpoint = local.get(method);
      if (endpoint === undefined) return methodNotAllowed([...local.keys()].sort().join(', '));
      ex.local = endpoint;
      return undefined;
    }
    const match = routes.match(method, target.segments);
    if (match === undefined) return NO_ROUTE;
    if ('allow' in match) return methodNotAllowed(match.allow);
    ex.route = match;
    return undefined;
  };
}
