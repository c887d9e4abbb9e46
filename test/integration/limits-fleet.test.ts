import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Fleet, loadFleet, startFleet } from '../support/fleet.ts';
import { type RedisServer, redisSkipReason, startRedis } from '../support/redis.ts';
import { type RecordingUpstream, startRecordingUpstream } from '../support/upstream.ts';

const skip = redisSkipReason();

const admittedFor = (upstream: RecordingUpstream, partner: string) =>
  upstream.requests.filter((r) => r.headers['x-portcullis-partner'] === partner).length;

describe('limits across a fleet sharing Redis', { skip, concurrency: false }, () => {
  let redis: RedisServer;
  let upstream: RecordingUpstream;
  before(async () => {
    redis = await startRedis();
    upstream = await startRecordingUpstream();
  });
  after(async () => {
    await upstream.close();
    await redis.stop();
  });

  test('three gateways admit R per second with burst B between them, counted at the upstream', async (t) => {
    const R = 50;
    const B = 20;
    const fleet: Fleet = await startFleet({
      count: 3,
      upstreamUrl: upstream.url,
      // A generous timeout: this test is about accuracy, and a loaded CI machine must not trip the fail mode.
      gatewayLimits: { store: 'redis', redis: { url: redis.url, keyPrefix: 'fleet:', timeoutMs: 1000 } },
      partners: { acme: { rate: { limit: R, window: '1s', burst: B } } },
    });
    try {
      const before = admittedFor(upstream, 'acme');
      // About 240 requests per second, four to five times the limit, spread over the three.
      const load = await loadFleet(fleet.urls, fleet.keys.acme!, {
        durationMs: 10_000,
        workers: 12,
        perWorkerRps: 20,
      });
      const admitted = admittedFor(upstream, 'acme') - before;
      t.diagnostic(
        `admitted ${admitted} of ${load.sent} in 10 s; bounds [${R * 10 * 0.95}, ${R * 10 * 1.01 + B}]`,
      );
      assert.ok(load.sent > R * 10 * 3, `the load was too light: ${load.sent} requests`);
      assert.equal(load.statuses.get(200), admitted);
      assert.equal(load.statuses.get(429), load.sent - admitted);
      assert.ok(admitted <= R * 10 * 1.01 + B, `admitted ${admitted} > ${R * 10 * 1.01 + B}`);
      assert.ok(admitted >= R * 10 * 0.95, `admitted ${admitted} < ${R * 10 * 0.95}`);
      for (const p of fleet.processes) assert.equal(p.child.exitCode, null);
    } finally {
      await fleet.stop();
    }
  });

  test('Redis killed mid-load: each contract keeps its fail mode, nothing crashes, limits resume after a restart', async (t) => {
    const R = 20;
    const B = 10;
    const rate = { limit: R, window: '1s', burst: B };
    const fleet = await startFleet({
      count: 3,
      upstreamUrl: upstream.url,
      gatewayLimits: { store: 'redis', redis: { url: redis.url, keyPrefix: 'outage:', heartbeatMs: 200 } },
      partners: {
        strict: { onStoreFailure: 'closed', rate },
        lenient: { onStoreFailure: 'local', rate },
      },
    });
    const phase = async (durationMs: number) => {
      const strictBefore = admittedFor(upstream, 'strict');
      const lenientBefore = admittedFor(upstream, 'lenient');
      const options = { durationMs, workers: 6, perWorkerRps: 20 };
      const [strict, lenient] = await Promise.all([
        loadFleet(fleet.urls, fleet.keys.strict!, options),
        loadFleet(fleet.urls, fleet.keys.lenient!, options),
      ]);
      return {
        strict,
        lenient,
        strictAdmitted: admittedFor(upstream, 'strict') - strictBefore,
        lenientAdmitted: admittedFor(upstream, 'lenient') - lenientBefore,
      };
    };
    try {
      const shared = await phase(2000);
      assert.ok((shared.strict.statuses.get(429) ?? 0) > 0, 'the limit held with Redis up');
      assert.ok(shared.strictAdmitted <= R * 2 * 1.01 + B + 1);

      await redis.kill();
      const outage = await phase(3000);
      // Failing closed: every request refused with limits_unavailable, none forwarded.
      assert.equal(outage.strictAdmitted, 0);
      assert.equal(outage.strict.codes.get('limits_unavailable'), outage.strict.sent);
      // Falling back: each of the three enforces a third of the limit (its bucket starts
      // full when it switches), so the fleet still stays near R per second.
      t.diagnostic(
        `outage: strict ${outage.strictAdmitted}/${outage.strict.sent}, lenient ${outage.lenientAdmitted}/${outage.lenient.sent} admitted`,
      );
      assert.ok(outage.lenientAdmitted > 0);
      assert.ok(outage.lenientAdmitted <= R * 3 * 1.1 + B + 3, `fallback admitted ${outage.lenientAdmitted}`);
      assert.deepEqual(
        [...outage.lenient.statuses.keys()].filter((s) => s !== 200 && s !== 429),
        [],
      );

      await redis.restart();
      await Promise.all(
        fleet.processes.map((p) =>
          p.waitForLog((l) => String(l.msg).includes('Redis answers again'), 10_000),
        ),
      );
      const resumed = await phase(2000);
      assert.ok(resumed.strictAdmitted > 0, 'the closed contract is served again');
      assert.ok((resumed.strict.statuses.get(429) ?? 0) > 0, 'the shared limit holds again');
      assert.ok(resumed.strictAdmitted <= R * 2 * 1.01 + B + 1);

      for (const p of fleet.processes) {
        assert.equal(p.child.exitCode, null, 'a gateway crashed');
        assert.ok(p.logs.some((l) => String(l.msg).includes('Redis failed')));
      }
    } finally {
      await fleet.stop();
    }
  });
});
