import type { ProblemCode } from '../../http/problem-codes.ts';
import { LIMITS_UNAVAILABLE, type LimitAnswer, type LimitStore } from '../../store/limits/types.ts';
import type { Exchange } from '../exchange.ts';
import { type Denial, deny, type Stage, type Verdict } from '../stage.ts';
import type { LimitCounters } from './counters.ts';
import { POLICY_FIELD, retryAfterSeconds, STATE_FIELD, stateHeader } from './headers.ts';
import type { UpstreamHealthSignal } from './health.ts';
import type { LimitKind, LimitTable, RequestLimits } from './policy.ts';

export interface LimitStageDeps {
  readonly store: LimitStore;
  readonly health: UpstreamHealthSignal;
  readonly counters: LimitCounters;
}

const CODES: Readonly<Record<LimitKind, ProblemCode>> = {
  rate: 'rate_limited',
  quota: 'quota_exceeded',
  concurrency: 'concurrency_limited',
};

const DETAILS: Readonly<Record<LimitKind, string>> = {
  rate: 'Your contract rate limit is exceeded; retry after the time given.',
  quota: 'Your contract quota for this period is used up; retry after the time given.',
  concurrency: 'Too many of your requests are in flight at once; retry when one has finished.',
};

/** A quota's wait (to the period's end) outlasts a rate's, which outlasts a free slot's. */
const PRECEDENCE: readonly LimitKind[] = ['quota', 'rate', 'concurrency'];

const UNAVAILABLE = deny('limits_unavailable', 'Limits cannot be checked right now; retry shortly.', {
  headers: { 'retry-after': '1' },
  reason: 'limit store unreachable and the contract fails closed',
});

/**
 * Holds each request to its partner's contract limits. The store decides (synchronously in
 * memory, one round trip with Redis); an admitted request's concurrency slot is given back
 * when its response closes, whatever the reason: completion, error, client abort, timeout.
 * Partners whose contract is a dry run (`enforced: false`) are never refused; what would
 * have been refused is recorded as a shadow denial.
 */
export function createLimitStage(table: LimitTable, deps: LimitStageDeps): Stage {
  const { store, health, counters } = deps;

  function settle(ex: Exchange, limits: RequestLimits, answer: LimitAnswer): Verdict {
    const counts = counters.for(limits.partner);
    if (answer === LIMITS_UNAVAILABLE) {
      counts.unavailable++;
      if (limits.enforced) return UNAVAILABLE;
      counts.shadowDenied++;
      return { ...UNAVAILABLE, shadow: true };
    }
    const state = stateHeader(limits, answer);
    if (answer.allowed) {
      counts.allowed++;
      const lease = answer.lease;
      if (lease !== undefined) {
        // The client may have gone while an asynchronous store decided.
        if (ex.res.closed) lease.release();
        else ex.res.once('close', lease.release);
      }
      if (limits.enforced) ex.responseHeaders = { [POLICY_FIELD]: limits.policyHeader, [STATE_FIELD]: state };
      return undefined;
    }
    const kind = PRECEDENCE.find((k) => answer.refused.some((i) => limits.policies[i]!.kind === k))!;
    counts.denied[kind]++;
    const violated = answer.refused.map((i) => limits.policies[i]!.name);
    const denial: Denial = deny(CODES[kind], DETAILS[kind], {
      headers: {
        [POLICY_FIELD]: limits.policyHeader,
        [STATE_FIELD]: state,
        'retry-after': retryAfterSeconds(answer.retryAfterMs),
      },
      extensions: { 'violated-policies': violated },
      reason: `${kind} limit ${violated.join(', ')} of partner ${limits.partner}`,
    });
    if (limits.enforced) return denial;
    counts.shadowDenied++;
    return { ...denial, shadow: true };
  }

  return function limit(ex: Exchange): Verdict | Promise<Verdict> {
    const partner = table.get(ex.identity!.partner);
    if (partner === undefined) return undefined;
    const target = ex.route!.target;
    const limits = partner.byOperation.get(target.operation) ?? partner.base;
    const answer = store.consume(limits, health.factor(target.api));
    if (answer instanceof Promise) return answer.then((a) => settle(ex, limits, a));
    return settle(ex, limits, answer);
  };
}
