import { sendJson } from '../../http/json.ts';
import type { LimitStore } from '../../store/limits/types.ts';
import type { Exchange } from '../exchange.ts';
import type { LimitTable } from '../limit/policy.ts';
import { usageOf } from '../limit/usage.ts';
import { deny, type Verdict } from '../stage.ts';
import type { LocalEndpoint } from './endpoint.ts';

export const USAGE_PATH = '/portcullis/v1/usage';

const UNAVAILABLE = deny('limits_unavailable', 'Usage cannot be read right now; retry shortly.', {
  headers: { 'retry-after': '1' },
  reason: 'limit store unreachable and the contract fails closed',
});

/**
 * `GET /portcullis/v1/usage`: the authenticated partner's current usage and what is left
 * of every limit of its contract. Reading it consumes nothing.
 */
export function createUsageEndpoint(table: LimitTable, store: LimitStore): LocalEndpoint {
  function answer(ex: Exchange, partner: string, figures: ReturnType<typeof usageOf>): Verdict {
    if (figures === undefined) return UNAVAILABLE;
    sendJson(ex.res, 200, { partner, store: store.stats().mode, limits: figures }, ex.id);
    return undefined;
  }
  return {
    method: 'GET',
    path: USAGE_PATH,
    authenticated: true,
    handle(ex) {
      const partner = ex.identity!.partner;
      const limits = table.get(partner);
      if (limits === undefined) return answer(ex, partner, []);
      const state = store.peek(limits.all);
      if (state instanceof Promise)
        return state.then((s) => answer(ex, partner, usageOf(limits.all, s, ex.receivedAt)));
      return answer(ex, partner, usageOf(limits.all, state, ex.receivedAt));
    },
  };
}
