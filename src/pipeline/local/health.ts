import { sendJson } from '../../http/json.ts';
import type { LocalEndpoint } from './endpoint.ts';

export const HEALTH_PATH = '/portcullis/v1/health';

/**
 * `GET /portcullis/v1/health`, for load balancers: 200 while serving, 503 while draining
 * before shutdown so the balancer stops sending new connections. Unauthenticated, and it
 * says nothing about the configuration.
 */
export function createHealthEndpoint(isDraining: () => boolean): LocalEndpoint {
  return {
    method: 'GET',
    path: HEALTH_PATH,
    authenticated: false,
    handle(ex) {
      const draining = isDraining();
      sendJson(ex.res, draining ? 503 : 200, { status: draining ? 'draining' : 'ok' }, ex.id);
      return undefined;
    },
  };
}
