import Type from 'typebox';
import type { Clock } from '../../clock.ts';
import { closed } from '../../config/names.ts';

/**
 * How healthy each upstream is, as a factor applied to limits toward it: 1 when healthy,
 * less while degraded (circuit half-open, errors, latency over its objective). The limit
 * stage multiplies rates, bursts and concurrency caps by it; quotas are left alone.
 */
export interface UpstreamHealthSignal {
  factor(api: string): number;
}

/** The tightest of several signals. */
export function combineHealthSignals(signals: readonly UpstreamHealthSignal[]): UpstreamHealthSignal {
  if (signals.length === 1) return signals[0]!;
  return {
    factor(api) {
      let factor = 1;
      for (const signal of signals) factor = Math.min(factor, signal.factor(api));
      return factor;
    },
  };
}

/** `limits.adaptive` in portcullis.yaml. */
export const AdaptiveSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: true }),
    /** Limits toward a degraded upstream are multiplied by this. */
    factor: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.5 }),
    /** Degraded when at least this share of recent calls failed (5xx, timeout, unreachable). */
    errorRatio: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.5 }),
    /** ... or when their mean latency exceeds this objective. */
    latencyMs: Type.Integer({ minimum: 1, maximum: 600_000, default: 5000 }),
    /** The recent calls: those of this sliding window. */
    windowMs: Type.Integer({ minimum: 1000, maximum: 3_600_000, default: 10_000 }),
    /** No verdict on fewer calls than this in the window. */
    minRequests: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 20 }),
    /** Once healthy again, limits relax linearly back to normal over this time. */
    recoveryMs: Type.Integer({ minimum: 0, maximum: 3_600_000, default: 10_000 }),
  },
  { ...closed, default: {} },
);

export type AdaptiveConfig = Type.Static<typeof AdaptiveSchema>;

const BUCKETS = 10;

interface Bucket {
  start: number;
  calls: number;
  failures: number;
  latencyMs: number;
}

class UpstreamWindow {
  readonly buckets: Bucket[] = Array.from({ length: BUCKETS }, () => ({
    start: -1,
    calls: 0,
    failures: 0,
    latencyMs: 0,
  }));
  degraded = false;
  /** When the upstream stopped being degraded (limits relax from then on). */
  recoveringSince: number | undefined;
}

/**
 * An `UpstreamHealthSignal` fed with what the forwarder saw of each call: a sliding window
 * of call counts, failures and latency per upstream, on the injected clock.
 */
export class UpstreamHealthTracker implements UpstreamHealthSignal {
  readonly #config: AdaptiveConfig;
  readonly #clock: Clock;
  readonly #bucketMs: number;
  readonly #upstreams = new Map<string, UpstreamWindow>();

  constructor(config: AdaptiveConfig, clock: Clock) {
    this.#config = config;
    this.#clock = clock;
    this.#bucketMs = config.windowMs / BUCKETS;
  }

  /** Records one upstream call of `api`. */
  observe(api: string, failed: boolean, latencyMs: number): void {
    if (!this.#config.enabled) return;
    let upstream = this.#upstreams.get(api);
    if (upstream === undefined) {
      upstream = new UpstreamWindow();
      this.#upstreams.set(api, upstream);
    }
    const now = this.#clock.now();
    const start = now - (now % this.#bucketMs);
    const bucket = upstream.buckets[Math.floor(start / this.#bucketMs) % BUCKETS]!;
    if (bucket.start !== start) {
      bucket.start = start;
      bucket.calls = 0;
      bucket.failures = 0;
      bucket.latencyMs = 0;
    }
    bucket.calls++;
    if (failed) bucket.failures++;
    bucket.latencyMs += latencyMs;
    this.#evaluate(upstream, now);
  }

  factor(api: string): number {
    const upstream = this.#upstreams.get(api);
    if (upstream === undefined || (!upstream.degraded && upstream.recoveringSince === undefined)) return 1;
    const now = this.#clock.now();
    this.#evaluate(upstream, now);
    const floor = this.#config.factor;
    if (upstream.degraded) return floor;
    const since = upstream.recoveringSince!;
    const progress = this.#config.recoveryMs === 0 ? 1 : (now - since) / this.#config.recoveryMs;
    if (progress >= 1) {
      upstream.recoveringSince = undefined;
      return 1;
    }
    return floor + (1 - floor) * progress;
  }

  #evaluate(upstream: UpstreamWindow, now: number): void {
    let calls = 0;
    let failures = 0;
    let latencyMs = 0;
    const oldest = now - this.#config.windowMs;
    for (const bucket of upstream.buckets) {
      if (bucket.start <= oldest) continue;
      calls += bucket.calls;
      failures += bucket.failures;
      latencyMs += bucket.latencyMs;
    }
    const config = this.#config;
    const degraded =
      calls >= config.minRequests &&
      (failures / calls >= config.errorRatio || latencyMs / calls > config.latencyMs);
    if (upstream.degraded && !degraded) upstream.recoveringSince = now;
    if (degraded) upstream.recoveringSince = undefined;
    upstream.degraded = degraded;
  }
}
