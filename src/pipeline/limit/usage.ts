import { LIMITS_UNAVAILABLE, type LimitAnswer, type LimitStore } from '../../store/limits/types.ts';
import type { LimitKind, LimitTable, RequestLimits } from './policy.ts';

/** One limit's current figures, as the usage endpoint and metrics report them. */
export interface LimitUsage {
  /** The policy name, as in the `RateLimit` fields. */
  readonly name: string;
  readonly kind: LimitKind;
  readonly limit: number;
  /** Units used: this period's for a quota, requests in flight for concurrency, drawn from the burst for a rate. */
  readonly used: number;
  readonly remaining: number;
  /** Seconds until fully restored (rate) or reset (quota); absent for concurrency. */
  readonly resetSeconds?: number;
  /** Rate: the window of `limit`, its burst, and the operation it applies to (`api.operationId`). */
  readonly windowSeconds?: number;
  readonly burst?: number;
  readonly operation?: string;
  /** Quota: its calendar period and time zone, and when it resets (ISO 8601, UTC). */
  readonly period?: string;
  readonly timeZone?: string;
  readonly resetsAt?: string;
}

/** A partner's figures, or undefined when the store cannot say (it fails closed). */
export interface PartnerUsage {
  readonly partner: string;
  readonly limits: readonly LimitUsage[] | undefined;
}

/** Turns a store's answer about `limits` into figures; `now` dates quota resets. */
export function usageOf(limits: RequestLimits, answer: LimitAnswer, now: number): LimitUsage[] | undefined {
  if (answer === LIMITS_UNAVAILABLE) return undefined;
  return limits.policies.map((policy, i): LimitUsage => {
    const remaining = answer.remaining[i]!;
    const resetSeconds = Math.ceil(answer.resetMs[i]! / 1000);
    if (policy.kind === 'rate') {
      return {
        name: policy.name,
        kind: 'rate',
        limit: policy.limit,
        windowSeconds: policy.windowSeconds,
        burst: policy.burst,
        ...(policy.operation === undefined ? {} : { operation: policy.operation }),
        used: Math.max(policy.burst - remaining, 0),
        remaining,
        resetSeconds,
      };
    }
    if (policy.kind === 'quota') {
      return {
        name: policy.name,
        kind: 'quota',
        period: policy.calendar.unit,
        timeZone: policy.calendar.timeZone,
        limit: policy.limit,
        used: policy.limit - remaining,
        remaining,
        resetSeconds,
        resetsAt: new Date(now + answer.resetMs[i]!).toISOString(),
      };
    }
    return {
      name: policy.name,
      kind: 'concurrency',
      limit: policy.limit,
      used: policy.limit - remaining,
      remaining,
    };
  });
}

/** Every limited partner's figures, for a metrics exporter (one store read per partner). */
export async function usageSnapshot(
  table: LimitTable,
  store: LimitStore,
  now: number,
): Promise<PartnerUsage[]> {
  return Promise.all(
    [...table.values()].map(async (partner) => ({
      partner: partner.partner,
      limits: usageOf(partner.all, await store.peek(partner.all), now),
    })),
  );
}
