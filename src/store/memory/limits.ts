import type { Clock } from '../../clock.ts';
import { gcra } from '../../pipeline/limit/gcra.ts';
import type { QuotaPolicy, RequestLimits } from '../../pipeline/limit/policy.ts';
import { InflightCounter } from '../limits/inflight.ts';
import type { ConcurrencyLease, LimitDecision, LimitStore, LimitStoreStats } from '../limits/types.ts';

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
    const scale = factor * this.share;
    const outcome = this.#evaluate(limits, scale, commit ? limits.cost : 0, commit ? 1 : 0, now);
    if (!commit) return this.#decision(outcome, outcome, undefined);
    // A refused request consumes nothing, so its fields show the state as it stays.
    if (outcome.refused.length > 0)
      return this.#decision(outcome, this.#evaluate(limits, scale, 0, 0, now), undefined);
    const { rates, quotas, concurrency } = limits;
    for (let i = 0; i < rates.length; i++) this.#tats.set(rates[i]!.key, outcome.tats[i]!);
    for (let i = 0; i < quotas.length; i++) {
      const key = quotas[i]!.key;
      const state = this.#quotas.get(key);
      if (state === undefined)
        this.#quotas.set(key, { periodStart: outcome.starts[i]!, used: outcome.used[i]! });
      else {
        state.periodStart = outcome.starts[i]!;
        state.used = outcome.used[i]!;
      }
    }
    const lease = concurrency === undefined ? undefined : this.#inflight.acquire(concurrency.key);
    return this.#decision(outcome, outcome, lease);
  }

  #decision(verdict: Evaluation, view: Evaluation, lease: ConcurrencyLease | undefined): LimitDecision {
    return {
      allowed: verdict.refused.length === 0,
      remaining: view.remaining,
      resetMs: view.resetMs,
      refused: verdict.refused,
      retryAfterMs: verdict.retryAfterMs,
      lease,
    };
  }

  /** Every policy of `limits` against a request of `cost` units taking `slots` concurrency slots. */
  #evaluate(limits: RequestLimits, scale: number, cost: number, slots: number, now: number): Evaluation {
    const count = limits.policies.length;
    const out: Evaluation = {
      remaining: new Array<number>(count),
      resetMs: new Array<number>(count),
      refused: [],
      retryAfterMs: 0,
      tats: new Array<number>(limits.rates.length),
      used: new Array<number>(limits.quotas.length),
      starts: new Array<number>(limits.quotas.length),
    };
    let index = 0;
    const rates = limits.rates;
    for (let i = 0; i < rates.length; i++, index++) {
      const p = rates[i]!;
      const result = gcra(this.#tats.get(p.key), now, cost, p.emissionMs / scale, p.toleranceMs);
      out.tats[i] = result.tat;
      out.remaining[index] = result.remaining;
      out.resetMs[index] = result.resetMs;
      if (!result.allowed) this.#refuse(out, index, result.retryAfterMs);
    }
    const quotas = limits.quotas;
    for (let i = 0; i < quotas.length; i++, index++) {
      const p = quotas[i]!;
      const period = p.calendar.periodAt(now);
      const state = this.#quotas.get(p.key);
      const before = state !== undefined && state.periodStart === period.start ? state.used : 0;
      const limit = this.share === 1 ? p.limit : Math.max(1, Math.floor(p.limit * this.share));
      out.starts[i] = period.start;
      out.used[i] = before + cost;
      out.resetMs[index] = period.end - now;
      out.remaining[index] = Math.max(limit - before - cost, 0);
      if (before + cost > limit) this.#refuse(out, index, period.end - now);
    }
    const concurrency = limits.concurrency;
    if (concurrency !== undefined) {
      const cap = Math.max(1, Math.floor(concurrency.limit * scale));
      const inflight = this.#inflight.get(concurrency.key) + slots;
      out.resetMs[index] = 0;
      out.remaining[index] = Math.max(cap - inflight, 0);
      // No time is known for a slot to free up: suggest a second.
      if (inflight > cap) this.#refuse(out, index, 1000);
    }
    return out;
  }

  #refuse(out: Evaluation, index: number, waitMs: number): void {
    out.refused.push(index);
    if (waitMs > out.retryAfterMs) out.retryAfterMs = waitMs;
  }
}

interface Evaluation {
  readonly remaining: number[];
  readonly resetMs: number[];
  readonly refused: number[];
  retryAfterMs: number;
  readonly tats: number[];
  readonly used: number[];
  readonly starts: number[];
}
