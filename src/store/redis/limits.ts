import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type { RequestLimits } from '../../pipeline/limit/policy.ts';
import type { InflightCounter, InflightLease } from '../limits/inflight.ts';
import type { LimitDecision } from '../limits/types.ts';

const LIMITS_LUA = readFileSync(new URL('./limits.lua', import.meta.url), 'utf8');
const HEARTBEAT_LUA = readFileSync(new URL('./heartbeat.lua', import.meta.url), 'utf8');

/** How long released concurrency slots wait to be written together. */
const RELEASE_FLUSH_MS = 5;

/** The sorted set of live gateway instances (under the key prefix). */
export const INSTANCES_KEY = 'instances';

interface LimitCommands {
  portcullisLimits(numberOfKeys: number, ...args: string[]): Promise<number[]>;
  portcullisHeartbeat(key: string, instanceId: string, liveMs: number): Promise<number>;
}

export interface RedisLimitOptions {
  /** Names this process in the live-instances set and the concurrency hashes. */
  readonly instanceId: string;
  /** An instance not heard from for this long is gone: its concurrency slots are freed. */
  readonly liveMs: number;
  readonly inflight: InflightCounter;
}

/**
 * Limits shared by a fleet through one Redis server. Every decision is one round trip:
 * one Lua script (sent with EVALSHA; ioredis resends the source on NOSCRIPT) checks and
 * consumes every limit of the request on Redis server time. Concurrency is counted per
 * instance: each writes its own in-flight count (an absolute value, so a lost update heals
 * on the next one) and the script adds up those of the instances still alive.
 */
export class RedisLimitStore {
  readonly #redis: Redis & LimitCommands;
  readonly #id: string;
  readonly #liveMs: number;
  readonly #inflight: InflightCounter;
  /** The script's keys and arguments per compiled limits, built once (strings: no conversion per call). */
  readonly #templates = new WeakMap<RequestLimits, ScriptCall>();
  /** The count this instance last wrote per concurrency key (rewritten after an outage). */
  readonly #written = new Map<string, number>();
  /** Concurrency keys released from since the last flush. */
  readonly #changed = new Set<string>();
  #flushTimer: NodeJS.Timeout | undefined;
  readonly #report = (key: string): void => {
    this.#changed.add(key);
    this.#flushTimer ??= setTimeout(this.#flush, RELEASE_FLUSH_MS);
  };
  /**
   * Writes the counts released in the last few milliseconds together. Counts are absolute,
   * so one write per key says it all, and none is needed when an admitted request has
   * written the same count since (under load, nearly always).
   */
  readonly #flush = (): void => {
    this.#flushTimer = undefined;
    for (const key of this.#changed) {
      const count = this.#inflight.get(key);
      if (this.#written.get(key) === count) continue;
      this.#write(key, count).catch(() => {
        // The next decision or the resync after an outage writes the count again.
      });
    }
    this.#changed.clear();
  };

  constructor(redis: Redis, options: RedisLimitOptions) {
    redis.defineCommand('portcullisLimits', { lua: LIMITS_LUA });
    redis.defineCommand('portcullisHeartbeat', { lua: HEARTBEAT_LUA, numberOfKeys: 1 });
    this.#redis = redis as Redis & LimitCommands;
    this.#id = options.instanceId;
    this.#liveMs = options.liveMs;
    this.#inflight = options.inflight;
  }

  get redis(): Redis {
    return this.#redis;
  }

  /** Rejects when Redis is unreachable, slow (the command timeout) or answers an error. */
  async consume(limits: RequestLimits, factor: number): Promise<LimitDecision> {
    const concurrency = limits.concurrency;
    const lease =
      concurrency === undefined ? undefined : this.#inflight.acquire(concurrency.key, this.#report);
    const count = concurrency === undefined ? 0 : this.#inflight.get(concurrency.key);
    try {
      const reply = await this.#run('consume', limits, factor);
      const decision = toDecision(reply, limits, lease);
      if (!decision.allowed) lease?.cancel();
      else if (concurrency !== undefined) this.#written.set(concurrency.key, count);
      return decision;
    } catch (error) {
      lease?.cancel();
      throw error;
    }
  }

  async peek(limits: RequestLimits): Promise<LimitDecision> {
    return toDecision(await this.#run('peek', limits, 1), limits, undefined);
  }

  /** Announces this instance; resolves with the number of live instances. */
  heartbeat(): Promise<number> {
    return this.#redis.portcullisHeartbeat(INSTANCES_KEY, this.#id, this.#liveMs);
  }

  /** Rewrites this instance's in-flight counts (after an outage may have lost some). */
  async resync(): Promise<void> {
    const keys = new Set([...this.#written.keys(), ...[...this.#inflight.entries()].map(([key]) => key)]);
    await Promise.all([...keys].map((key) => this.#write(key, this.#inflight.get(key))));
  }

  /** Leaves the fleet at shutdown: the others stop counting this instance at once. */
  async leave(): Promise<void> {
    clearTimeout(this.#flushTimer);
    await Promise.all([
      this.#redis.zrem(INSTANCES_KEY, this.#id),
      ...[...this.#written.keys()].map((key) => this.#redis.hdel(key, this.#id)),
    ]);
  }

  async #write(key: string, count: number): Promise<void> {
    this.#written.set(key, count);
    if (count > 0) await this.#redis.hset(key, this.#id, count);
    else {
      await this.#redis.hdel(key, this.#id);
      this.#written.delete(key);
    }
  }

  #run(mode: 'consume' | 'peek', limits: RequestLimits, factor: number): Promise<number[]> {
    let template = this.#templates.get(limits);
    if (template === undefined) {
      template = scriptCall(limits, this.#id, this.#liveMs);
      this.#templates.set(limits, template);
    }
    const args = template.call.slice();
    args[template.modeAt] = mode;
    if (factor !== 1) {
      limits.rates.forEach((rate, i) => {
        args[template.ratesAt + 2 * i] = String(rate.emissionMs / factor);
      });
    }
    const now = Date.now();
    limits.quotas.forEach((quota, i) => {
      // Only to name the candidate periods; the script picks the one Redis time is in.
      const boundaries = quota.calendar.boundariesAround(now);
      for (let b = 0; b < 4; b++) args[template.quotasAt + 5 * i + 1 + b] = String(boundaries[b]);
    });
    const concurrency = limits.concurrency;
    if (concurrency !== undefined) {
      const at = template.concurrencyAt;
      if (factor !== 1) args[at] = String(Math.max(1, Math.floor(concurrency.limit * factor)));
      // In "consume" mode the count already includes this request's reserved slot.
      args[at + 1] = String(this.#inflight.get(concurrency.key));
    }
    return this.#redis.portcullisLimits(...(args as [number, ...string[]]));
  }
}

/** `[numberOfKeys, ...keys, ...arguments]` of the script, and where the per-call values go. */
interface ScriptCall {
  readonly call: readonly (number | string)[];
  readonly modeAt: number;
  readonly ratesAt: number;
  readonly quotasAt: number;
  readonly concurrencyAt: number;
}

/** The script call for `limits` at factor 1, as strings (no number conversion per call). */
function scriptCall(limits: RequestLimits, instanceId: string, liveMs: number): ScriptCall {
  const { rates, quotas, concurrency } = limits;
  const keys = [...rates.map((r) => r.key), ...quotas.map((q) => q.key)];
  if (concurrency !== undefined) keys.push(concurrency.key, INSTANCES_KEY);
  const args = [
    'consume',
    String(rates.length),
    String(quotas.length),
    concurrency === undefined ? '0' : '1',
  ];
  args.push(String(limits.cost), instanceId, String(liveMs));
  for (const rate of rates) args.push(String(rate.emissionMs), String(rate.toleranceMs));
  for (const quota of quotas) args.push(String(quota.limit), '', '', '', '');
  if (concurrency !== undefined) args.push(String(concurrency.limit), '0');
  const modeAt = 1 + keys.length;
  const ratesAt = modeAt + 7;
  const quotasAt = ratesAt + 2 * rates.length;
  return {
    call: [keys.length, ...keys, ...args],
    modeAt,
    ratesAt,
    quotasAt,
    concurrencyAt: quotasAt + 5 * quotas.length,
  };
}

function toDecision(reply: number[], limits: RequestLimits, lease: InflightLease | undefined): LimitDecision {
  const count = limits.policies.length;
  const remaining = new Array<number>(count);
  const resetMs = new Array<number>(count);
  const refused: number[] = [];
  for (let i = 0; i < count; i++) {
    remaining[i] = reply[2 + i * 3]!;
    resetMs[i] = reply[3 + i * 3]!;
    if (reply[4 + i * 3] === 1) refused.push(i);
  }
  const allowed = reply[0] === 1;
  return {
    allowed,
    remaining,
    resetMs,
    refused,
    retryAfterMs: reply[1]!,
    lease: allowed ? lease : undefined,
  };
}
