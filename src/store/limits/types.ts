import type { RequestLimits } from '../../pipeline/limit/policy.ts';

/** Holds a concurrency slot until the request's response closes. */
export interface ConcurrencyLease {
  /** Gives the slot back; idempotent. */
  readonly release: () => void;
}

/** A store's answer for one request, against every policy of its `RequestLimits`. */
export interface LimitDecision {
  readonly allowed: boolean;
  /** Per policy (in `RequestLimits.policies` order): whole units left after this decision. */
  readonly remaining: number[];
  /** Per policy: milliseconds until it is fully restored (rate) or resets (quota); 0 for concurrency. */
  readonly resetMs: number[];
  /** Indexes of the policies that refused; empty when allowed. */
  readonly refused: number[];
  /** When refused, how long until the request could pass (the longest wait among `refused`). */
  readonly retryAfterMs: number;
  /** The slot taken when allowed under a concurrency limit. */
  readonly lease: ConcurrencyLease | undefined;
}

/** The store could not decide (Redis unreachable and the contract fails closed). */
export const LIMITS_UNAVAILABLE = 'unavailable';
export type LimitAnswer = LimitDecision | typeof LIMITS_UNAVAILABLE;

/** Where decisions are made right now, for logs, the usage endpoint and metrics. */
export type LimitStoreMode = 'memory' | 'redis' | 'fallback';

/** Counters a metrics exporter reads; monotonic for the life of the process. */
export interface LimitStoreStats {
  readonly mode: LimitStoreMode;
  /** Switches between the shared store and the local fallback, both ways. */
  readonly switches: number;
  /** Calls to the shared store that failed or timed out. */
  readonly failures: number;
  /** Gateway instances sharing the store, as last seen (1 for the in-memory store). */
  readonly liveInstances: number;
}

/**
 * Rate, quota and concurrency state. `consume` checks every limit of one request and,
 * only when all of them allow it, consumes them all (atomically: a refused request uses
 * nothing). `factor` in (0, 1] tightens rate and concurrency limits while the request's
 * upstream is degraded. The in-memory store answers synchronously, so the request path
 * never awaits it.
 */
export interface LimitStore {
  consume(limits: RequestLimits, factor: number): LimitAnswer | Promise<LimitAnswer>;
  /** The state of every policy of `limits` without consuming anything. */
  peek(limits: RequestLimits): LimitAnswer | Promise<LimitAnswer>;
  stats(): LimitStoreStats;
  /** Resolves once the store can answer (or has settled on its fallback). */
  start(): Promise<void>;
  close(): Promise<void>;
}
