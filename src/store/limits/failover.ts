import type { Logger } from '../../observe/logger.ts';
import type { QuotaPolicy, RequestLimits } from '../../pipeline/limit/policy.ts';
import type { MemoryLimitStore } from '../memory/limits.ts';
import type { RedisLimitStore } from '../redis/limits.ts';
import {
  LIMITS_UNAVAILABLE,
  type LimitAnswer,
  type LimitDecision,
  type LimitStore,
  type LimitStoreStats,
} from './types.ts';

export interface FailoverOptions {
  /** How often this instance announces itself and, while Redis is failing, tries it again. */
  readonly heartbeatMs: number;
  /** How long `start` waits for a first answer from Redis before settling on the fallback. */
  readonly startTimeoutMs: number;
  readonly logger: Logger;
}

/**
 * The Redis store with a way out. A failed or slow call (past the command timeout) switches
 * this instance to its fallback at once, and the heartbeat switches it back once Redis
 * answers again; requests never queue behind a dead connection. While on the fallback each
 * contract decides: fail closed (`limits_unavailable`) or a local limiter enforcing its
 * share, 1 / (live instances as last seen), of every limit, with quotas seeded from what
 * Redis last reported. Every switch is logged and counted.
 */
export class FailoverLimitStore implements LimitStore {
  readonly #redis: RedisLimitStore;
  readonly #local: MemoryLimitStore;
  readonly #options: FailoverOptions;
  /** Quota units Redis last reported left, per quota key (to seed the fallback). */
  readonly #lastQuota = new Map<string, { policy: QuotaPolicy; remaining: number }>();
  #shared = true;
  #switches = 0;
  #failures = 0;
  #liveInstances = 1;
  #timer: NodeJS.Timeout | undefined;
  #beating = false;

  constructor(redis: RedisLimitStore, local: MemoryLimitStore, options: FailoverOptions) {
    this.#redis = redis;
    this.#local = local;
    this.#options = options;
    redis.redis.on('error', () => {
      // Connection errors surface as failed calls; ioredis reconnects by itself.
    });
  }

  consume(limits: RequestLimits, factor: number): LimitAnswer | Promise<LimitAnswer> {
    if (!this.#shared) return this.#fallback(limits, factor, true);
    return this.#redis.consume(limits, factor).then(
      (decision) => this.#remember(limits, decision),
      (error: unknown) => {
        this.#fail(error);
        return this.#fallback(limits, factor, true);
      },
    );
  }

  peek(limits: RequestLimits): LimitAnswer | Promise<LimitAnswer> {
    if (!this.#shared) return this.#fallback(limits, 1, false);
    return this.#redis.peek(limits).then(undefined, (error: unknown) => {
      this.#fail(error);
      return this.#fallback(limits, 1, false);
    });
  }

  stats(): LimitStoreStats {
    return {
      mode: this.#shared ? 'redis' : 'fallback',
      switches: this.#switches,
      failures: this.#failures,
      liveInstances: this.#liveInstances,
    };
  }

  async start(): Promise<void> {
    const redis = this.#redis.redis;
    if (redis.status !== 'ready') {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          redis.off('ready', done);
          resolve();
        };
        const timer = setTimeout(done, this.#options.startTimeoutMs);
        redis.once('ready', done);
      });
    }
    await this.#beat();
    this.#timer = setInterval(() => void this.#beat(), this.#options.heartbeatMs);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    const redis = this.#redis.redis;
    if (this.#shared && redis.status === 'ready') {
      await this.#redis.leave().catch(() => {});
    }
    redis.disconnect();
  }

  #fallback(limits: RequestLimits, factor: number, commit: boolean): LimitAnswer {
    if (limits.failMode === 'closed') return LIMITS_UNAVAILABLE;
    return commit ? this.#local.consume(limits, factor) : this.#local.peek(limits);
  }

  #remember(limits: RequestLimits, decision: LimitDecision): LimitDecision {
    const quotas = limits.quotas;
    for (let i = 0; i < quotas.length; i++) {
      const policy = quotas[i]!;
      this.#lastQuota.set(policy.key, { policy, remaining: decision.remaining[limits.rates.length + i]! });
    }
    return decision;
  }

  /** One heartbeat: counts live instances, switches to the fallback or back. */
  async #beat(): Promise<void> {
    if (this.#beating) return;
    this.#beating = true;
    try {
      const live = await this.#redis.heartbeat();
      this.#liveInstances = Math.max(1, live);
      if (!this.#shared) {
        await this.#redis.resync();
        this.#shared = true;
        this.#switches++;
        this.#options.logger.info(
          { liveInstances: this.#liveInstances, switches: this.#switches },
          'limit store: Redis answers again; limits are shared across the fleet again',
        );
      }
    } catch (error) {
      this.#fail(error);
    } finally {
      this.#beating = false;
    }
  }

  #fail(error: unknown): void {
    this.#failures++;
    if (!this.#shared) return;
    this.#shared = false;
    this.#switches++;
    this.#startFallback();
    this.#options.logger.warn(
      {
        reason: error instanceof Error ? error.message : String(error),
        liveInstances: this.#liveInstances,
        switches: this.#switches,
      },
      'limit store: Redis failed; contracts fail closed or fall back to local limits',
    );
  }

  #startFallback(): void {
    const share = 1 / this.#liveInstances;
    this.#local.reset();
    this.#local.share = share;
    for (const { policy, remaining } of this.#lastQuota.values()) {
      const limit = Math.max(1, Math.floor(policy.limit * share));
      this.#local.seedQuota(policy, Math.max(0, limit - Math.floor(remaining * share)));
    }
  }
}
