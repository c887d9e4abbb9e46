import Type from 'typebox';
import type { ConfigIssue } from '../../config/issues.ts';
import type { LoadedConfig } from '../../config/load.ts';
import { closed } from '../../config/names.ts';

/** Where an API's traffic goes, and how long the gateway waits for it. */
export const UpstreamSchema = Type.Object(
  {
    url: Type.String({
      pattern: '^https?://[^/?#\\s]+(/[^?#\\s]*)?$',
      'x-message': 'must be an http:// or https:// URL with no query or fragment',
    }),
    connectTimeoutMs: Type.Integer({ minimum: 10, maximum: 60000, default: 2000 }),
    responseTimeoutMs: Type.Integer({ minimum: 10, maximum: 600000, default: 15000 }),
    bodyTimeoutMs: Type.Integer({ minimum: 10, maximum: 600000, default: 30000 }),
    connections: Type.Integer({ minimum: 1, maximum: 4096, default: 128 }),
  },
  closed,
);

export type UpstreamConfig = Type.Static<typeof UpstreamSchema>;

/** Where one API's requests go, resolved from its configuration. */
export interface UpstreamPlan {
  readonly api: string;
  readonly origin: string;
  /** Path of the upstream URL without a trailing slash ('' for the root). */
  readonly basePath: string;
  /** Gateway base path of the API, stripped before the upstream base path is prefixed. */
  readonly gatewayBasePath: string;
  readonly config: UpstreamConfig;
}

export function compileUpstreams(
  loaded: LoadedConfig,
  issues: ConfigIssue[],
): ReadonlyMap<string, UpstreamPlan> {
  const plans = new Map<string, UpstreamPlan>();
  for (const [api, config] of Object.entries(loaded.gateway.apis)) {
    let url: URL;
    try {
      url = new URL(config.upstream.url);
    } catch {
      issues.push(loaded.gatewaySource.issue(['apis', api, 'upstream', 'url'], 'is not a valid URL'));
      continue;
    }
    if (url.username !== '' || url.password !== '') {
      issues.push(
        loaded.gatewaySource.issue(
          ['apis', api, 'upstream', 'url'],
          'must not contain credentials: use the secret store',
        ),
      );
      continue;
    }
    plans.set(api, {
      api,
      origin: url.origin,
      basePath: url.pathname.replace(/\/+$/, ''),
      gatewayBasePath: config.basePath === '/' ? '' : config.basePath,
      config: config.upstream,
    });
  }
  return plans;
}
