import type { Clock } from '../../clock.ts';
import { gcra } from '../../pipeline/limit/gcra.ts';
import type { QuotaPolicy, RequestLimits } from '../../pipeline/limit/policy.ts';
import { InflightCounter } from '../limits/inflight.ts';
import type { LimitDecision, LimitStore, LimitStoreStats } from '../limits/types.ts';

interface QuotaState {
  periodStart: number;
  used: number;
}

/**
 * Limits of one process, decided synchronously from the injected clock: the embedded
 * default, and the local fallback of the Redis store (then `share` is 1 / live instances,
 * so the fleet as a whole stays near the contract's limits).
 */
export class MemoryLimitStore implements LimitStore {
  readonly #clock: Clock;
  readonly #inflight: InflightCounter;
  readonly #tats = new Map<string, number>();
  readonly #quotas = new Map<string, QuotaState>();
  /** Share of every limit this store enforces. */
  share = 1;

  constructor(clock: Clock, inflight: InflightCounter = new InflightCounter()) {
    this.#clock = clock;
    this.#inflight = inflight;
  }

  consume(limits: RequestLimits, factor: number): LimitDecision {
    return this.#decide(limits, factor, true);
  }

  peek(limits: RequestLimits): LimitDecision {
    return this.#decide(limits, 1, false);
  }

  /**
   * Starts a quota's current period at `used` units (of this store's share), e.g. what the
   * shared store last reported, so a fallback does not hand out a fresh quota.
   */
  seedQuota(policy: QuotaPolicy, used: number): void {
    const { start } = policy.calendar.periodAt(this.#clock.now());
    this.#quotas.set(policy.key, { periodStart: start, used });
  }

  /** Forgets rate and quota state (the fallback starts afresh each time it takes over). */
  reset(): void {
    this.#tats.clear();
    this.#quotas.clear();
  }

  stats(): LimitStoreStats {
    return { mode: 'memory', switches: 0, failures: 0, liveInstances: 1 };
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  #decide(limits: RequestLimits, factor: number, commit: boolean): LimitDecision {
    const now = this.#clock.now();
    const count = limits.policies.length;
    const remaining = new Array<number>(count);
    const resetMs = new Array<number>(count);
    const refused: number[] = [];
    const cost = commit ? limits.cost : 0;
    const scale = factor * this.share;
    let retryAfterMs = 0;
    let index = 0;

    const rates = limits.rates;
    const tats = new Array<number>(rates.length);
    for (let i = 0; i < rates.length; i++, index++) {
      const p = rates[i]!;
      const outcome = gcra(this.#tats.get(p.key), now, cost, p.emissionMs / scale, p.toleranceMs);
      tats[i] = outcome.tat;
      remaining[index] = outcome.remaining;
      resetMs[index] = outcome.resetMs;
      if (!outcome.allowed) {
        refused.push(index);
        if (outcome.retryAfterMs > retryAfterMs) retryAfterMs = outcome.retryAfterMs;
      }
    }

    const quotas = limits.quotas;
    const used = new Array<number>(quotas.length);
    const starts = new Array<number>(quotas.length);
    for (let i = 0; i < quotas.length; i++, index++) {
      const p = quotas[i]!;
      const period = p.calendar.periodAt(now);
      const state = this.#quotas.get(p.key);
      const before = state !== undefined && state.periodStart === period.start ? state.used : 0;
      const limit = this.share === 1 ? p.limit : Math.max(1, Math.floor(p.limit * this.share));
      const after = before + cost;
      starts[i] = period.start;
      resetMs[index] = period.end - now;
      if (after > limit) {
        refused.push(index);
        remaining[index] = Math.max(limit - before, 0);
        if (period.end - now > retryAfterMs) retryAfterMs = period.end - now;
      } else {
        used[i] = after;
        remaining[index] = limit - after;
      }
    }

    const concurrency = limits.concurrency;
    if (concurrency !== undefined) {
      const cap = Math.max(1, Math.floor(concurrency.limit * scale));
      const inflight = this.#inflight.get(concurrency.key) + (commit ? 1 : 0);
      resetMs[index] = 0;
      if (inflight > cap) {
        refused.push(index);
        remaining[index] = 0;
        if (retryAfterMs < 1000) retryAfterMs = 1000;
      } else {
        remaining[index] = cap - inflight;
      }
    }

    if (!commit || refused.length > 0) {
      return { allowed: refused.length === 0, remaining, resetMs, refused, retryAfterMs, lease: undefined };
    }
    for (let i = 0; i < rates.length; i++) this.#tats.set(rates[i]!.key, tats[i]!);
    for (let i = 0; i < quotas.length; i++) {
      const state = this.#quotas.get(quotas[i]!.key);
      if (state === undefined) this.#quotas.set(quotas[i]!.key, { periodStart: starts[i]!, used: used[i]! });
      else {
        state.periodStart = starts[i]!;
        state.used = used[i]!;
      }
    }
    const lease = concurrency === undefined ? undefined : this.#inflight.acquire(concurrency.key);
    return { allowed: true, remaining, resetMs, refused, retryAfterMs: 0, lease };
  }
}
