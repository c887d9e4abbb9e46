import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { FailoverLimitStore } from '../../../src/store/limits/failover.ts';
import { InflightCounter } from '../../../src/store/limits/inflight.ts';
import { LIMITS_UNAVAILABLE, type LimitDecision } from '../../../src/store/limits/types.ts';
import { MemoryLimitStore } from '../../../src/store/memory/limits.ts';
import { RedisLimitStore } from '../../../src/store/redis/limits.ts';
import { captureLogger } from '../../support/gateway.ts';
import { partnerLimits } from '../../support/limits.ts';
import { type RedisServer, redisSkipReason, startRedis } from '../../support/redis.ts';

const skip = redisSkipReason();

describe('Redis limit store', { skip }, () => {
  let server: RedisServer;
  const clients: Redis[] = [];
  let prefix = 0;

  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await server.stop();
  });

  /** A store as one gateway instance would have it; each test gets its own key prefix. */
  function instance(id: string, keyPrefix: string, liveMs = 5000) {
    const redis = new Redis(server.url, { keyPrefix, enableOfflineQueue: true, maxRetriesPerRequest: 1 });
    clients.push(redis);
    const inflight = new InflightCounter();
    return { redis, inflight, store: new RedisLimitStore(redis, { instanceId: id, liveMs, inflight }) };
  }
  const freshPrefix = () => `t${++prefix}:`;

  test('admits the burst of a rate, then refuses without consuming', async () => {
    const { store } = instance('a', freshPrefix());
    const limits = partnerLimits({
      rate: { limit: 1, window: '1h', burst: 3 },
      quotas: [{ limit: 100, period: 'day' }],
    });
    const decisions: LimitDecision[] = [];
    for (let i = 0; i < 5; i++) decisions.push(await store.consume(limits.base, 1));
    assert.deepEqual(
      decisions.map((d) => d.allowed),
      [true, true, true, false, false],
    );
    assert.deepEqual(decisions[4]!.refused, [0]);
    assert.ok(decisions[4]!.retryAfterMs > 3_500_000);
    // The quota counted the admitted requests only.
    assert.equal(decisions[4]!.remaining[1], 97);
    assert.deepEqual((await store.peek(limits.all)).remaining, [0, 97]);
  });

  test('a quota refuses past its limit in the current period', async () => {
    const { store } = instance('a', freshPrefix());
    const limits = partnerLimits({ quotas: [{ limit: 2, period: 'month', timeZone: 'Europe/Paris' }] });
    const allowed = [];
    for (let i = 0; i < 4; i++) allowed.push((await store.consume(limits.base, 1)).allowed);
    assert.deepEqual(allowed, [true, true, false, false]);
  });

  test('concurrency is counted across instances, and a released slot is free for any of them', async () => {
    const keyPrefix = freshPrefix();
    const a = instance('a', keyPrefix);
    const b = instance('b', keyPrefix);
    await a.store.heartbeat();
    await b.store.heartbeat();
    const limits = partnerLimits({ concurrency: 2 });
    const first = await a.store.consume(limits.base, 1);
    const second = await b.store.consume(limits.base, 1);
    assert.deepEqual([first.allowed, second.allowed], [true, true]);
    assert.equal((await a.store.consume(limits.base, 1)).allowed, false);
    assert.equal(a.inflight.get(limits.base.concurrency!.key), 1);
    second.lease!.release();
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal((await a.store.consume(limits.base, 1)).allowed, true);
  });

  test("a silent instance's slots are freed once it is no longer live", async () => {
    const keyPrefix = freshPrefix();
    const gone = instance('gone', keyPrefix, 300);
    const alive = instance('alive', keyPrefix, 300);
    const limits = partnerLimits({ concurrency: 1 });
    await gone.store.heartbeat();
    assert.equal((await gone.store.consume(limits.base, 1)).allowed, true);
    assert.equal((await alive.store.consume(limits.base, 1)).allowed, false);
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.equal((await alive.store.consume(limits.base, 1)).allowed, true);
  });

  test('the script is loaded again after Redis forgets it (NOSCRIPT)', async () => {
    const { store, redis } = instance('a', freshPrefix());
    const limits = partnerLimits({ rate: { limit: 5 } });
    assert.equal((await store.consume(limits.base, 1)).allowed, true);
    await redis.script('FLUSH');
    assert.equal((await store.consume(limits.base, 1)).allowed, true);
  });

  test('the failover store falls back while Redis is down, per contract, and switches back', async () => {
    const keyPrefix = freshPrefix();
    const redis = new Redis(server.url, {
      keyPrefix,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: 100,
      retryStrategy: () => 50,
    });
    clients.push(redis);
    const inflight = new InflightCounter();
    const { logger, lines } = captureLogger('info');
    const failover = new FailoverLimitStore(
      new RedisLimitStore(redis, { instanceId: 'x', liveMs: 3000, inflight }),
      new MemoryLimitStore({ now: () => Date.now() }, inflight),
      { heartbeatMs: 100, startTimeoutMs: 1000, logger },
    );
    await failover.start();
    const closed = partnerLimits({ rate: { limit: 1, window: '1h', burst: 2 } });
    const local = partnerLimits({ onStoreFailure: 'local', rate: { limit: 1, window: '1h', burst: 2 } });
    try {
      assert.equal(failover.stats().mode, 'redis');
      assert.equal(((await failover.consume(closed.base, 1)) as LimitDecision).allowed, true);
      await server.kill();
      assert.equal(await failover.consume(closed.base, 1), LIMITS_UNAVAILABLE);
      assert.equal(failover.stats().mode, 'fallback');
      const fallback = failover.consume(local.base, 1);
      assert.ok(!(fallback instanceof Promise), 'the fallback answers without waiting for Redis');
      assert.equal((fallback as LimitDecision).allowed, true);
      await server.restart();
      for (let i = 0; i < 100 && failover.stats().mode !== 'redis'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.equal(failover.stats().mode, 'redis');
      assert.equal(failover.stats().switches, 2);
      assert.equal(((await failover.consume(closed.base, 1)) as LimitDecision).allowed, true);
      assert.ok(lines.some((l) => l.includes('Redis failed')));
      assert.ok(lines.some((l) => l.includes('Redis answers again')));
    } finally {
      await failover.close();
    }
  });
});
