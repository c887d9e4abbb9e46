import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Clock } from '../../clock.ts';
import type { Logger } from '../../observe/logger.ts';
import { MemoryLimitStore } from '../memory/limits.ts';
import { RedisLimitStore } from '../redis/limits.ts';
import type { RedisLimitStoreConfig } from './config.ts';
import { FailoverLimitStore } from './failover.ts';
import { InflightCounter } from './inflight.ts';
import type { LimitStore } from './types.ts';

/** Missing heartbeats after which an instance counts as gone. */
const LIVENESS_BEATS = 3;

/**
 * Opens the configured limit store: in memory (one process), or Redis shared by a fleet
 * with a local fallback. Never fails on an unreachable Redis: the store starts on its
 * fallback and switches over once Redis answers.
 */
export function openLimitStore(
  config: { readonly store: 'memory' | 'redis'; readonly redis?: RedisLimitStoreConfig | undefined },
  deps: { readonly clock: Clock; readonly logger: Logger },
): LimitStore {
  const inflight = new InflightCounter();
  const local = new MemoryLimitStore(deps.clock, inflight);
  if (config.store === 'memory' || config.redis === undefined) return local;
  const redisConfig = config.redis;
  const redis = new Redis(redisConfig.url, {
    keyPrefix: redisConfig.keyPrefix,
    // Never queue behind a dead connection: fail at once and let the fallback answer.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: redisConfig.timeoutMs,
    connectTimeout: Math.max(1000, redisConfig.timeoutMs),
    retryStrategy: (attempt) => Math.min(attempt * 100, redisConfig.heartbeatMs),
    enableAutoPipelining: true,
  });
  const shared = new RedisLimitStore(redis, {
    instanceId: randomUUID(),
    liveMs: redisConfig.heartbeatMs * LIVENESS_BEATS,
    inflight,
  });
  return new FailoverLimitStore(shared, local, {
    heartbeatMs: redisConfig.heartbeatMs,
    startTimeoutMs: Math.max(1000, redisConfig.timeoutMs),
    logger: deps.logger,
  });
}
