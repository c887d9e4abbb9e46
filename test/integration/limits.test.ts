import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { request } from 'node:http';
import { describe, test } from 'node:test';
import { contractFile } from '../support/config.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { ManualClock } from '../support/limits.ts';

const OPERATIONS = ['listPets', 'createPet', 'getPet'];
const START = Date.UTC(2026, 2, 28, 22, 30); // 23:30 in Paris, the night DST starts

async function withLimits(
  limits: Record<string, unknown>,
  options: Partial<Parameters<typeof startTestGateway>[0]> = {},
): Promise<{ t: TestGateway; clock: ManualClock }> {
  const clock = new ManualClock(START);
  const t = await startTestGateway({
    clock,
    ...options,
    files: { 'contracts/acme.yaml': contractFile('acme', OPERATIONS, { limits }) },
  });
  return { t, clock };
}

const get = (t: TestGateway, path = '/pets') => fetch(`${t.url}${path}`, { headers: { 'x-api-key': t.key } });

/** Concurrency slots the usage endpoint reports in use. */
async function slotsInUse(t: TestGateway): Promise<number> {
  const res = await fetch(`${t.url}/portcullis/v1/usage`, { headers: { 'x-api-key': t.key } });
  const body = (await res.json()) as { limits: { kind: string; used: number }[] };
  return body.limits.find((l) => l.kind === 'concurrency')!.used;
}

/** Polls until `probe` holds (the gateway's close handlers run asynchronously). */
async function eventually(probe: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await probe()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.fail('condition never held');
}

describe('limits at the gateway', () => {
  test('refuses past the burst with 429 rate_limited, Retry-After and RateLimit fields; nothing reaches the upstream', async () => {
    const { t } = await withLimits({ rate: { limit: 1, window: '1m', burst: 2 } });
    try {
      const first = await get(t);
      assert.equal(first.status, 200);
      assert.equal(first.headers.get('x-upstream'), 'yes');
      assert.equal(first.headers.get('ratelimit-policy'), '"rate";q=1;w=60;portcullis-burst=2');
      assert.equal(first.headers.get('ratelimit'), '"rate";r=1;t=60');
      assert.equal((await get(t)).headers.get('ratelimit'), '"rate";r=0;t=120');
      const refused = await get(t);
      assert.equal(refused.status, 429);
      const problem = (await refused.json()) as Record<string, unknown>;
      assert.equal(problem.code, 'rate_limited');
      assert.deepEqual(problem['violated-policies'], ['rate']);
      assert.equal(refused.headers.get('retry-after'), '60');
      assert.equal(refused.headers.get('ratelimit'), '"rate";r=0;t=120');
      assert.equal(t.upstream.requests.length, 2);
    } finally {
      await t.close();
    }
  });

  test('a retry after Retry-After is admitted: refusals consumed nothing', async () => {
    const { t, clock } = await withLimits({ rate: { limit: 1, window: '10s', burst: 1 } });
    try {
      assert.equal((await get(t)).status, 200);
      for (let i = 0; i < 20; i++) assert.equal((await get(t)).status, 429);
      clock.advance(10_000);
      assert.equal((await get(t)).status, 200);
    } finally {
      await t.close();
    }
  });

  test('other refusals on a limited route carry the RateLimit fields too', async () => {
    const { t } = await withLimits({ rate: { limit: 5 } });
    try {
      const res = await fetch(`${t.url}/pets/1`, { method: 'DELETE', headers: { 'x-api-key': t.key } });
      assert.equal(res.status, 403);
      assert.equal(((await res.json()) as { code: string }).code, 'operation_not_granted');
      assert.equal(res.headers.get('ratelimit'), '"rate";r=4;t=1');
    } finally {
      await t.close();
    }
  });

  test('a daily quota in a time zone refuses with quota_exceeded until local midnight', async () => {
    const { t, clock } = await withLimits({
      quotas: [{ limit: 2, period: 'day', timeZone: 'Europe/Paris' }],
    });
    try {
      assert.equal((await get(t)).status, 200);
      assert.equal((await get(t)).status, 200);
      const refused = await get(t);
      assert.equal(refused.status, 429);
      assert.equal(((await refused.json()) as { code: string }).code, 'quota_exceeded');
      assert.equal(refused.headers.get('retry-after'), String(30 * 60));
      clock.set(Date.UTC(2026, 2, 28, 23)); // midnight in Paris
      const next = await get(t);
      assert.equal(next.status, 200);
      // The day DST starts has 23 hours.
      assert.equal(next.headers.get('ratelimit'), `"quota-day";r=1;t=${23 * 3600}`);
    } finally {
      await t.close();
    }
  });

  test('GET /portcullis/v1/usage reports usage and remaining quota, consumes nothing, needs a credential', async () => {
    const { t } = await withLimits({
      rate: { limit: 10, burst: 10 },
      quotas: [{ limit: 100, period: 'month', timeZone: 'Europe/Paris' }],
      concurrency: 3,
    });
    try {
      await get(t);
      await get(t);
      const read = () => fetch(`${t.url}/portcullis/v1/usage`, { headers: { 'x-api-key': t.key } });
      const first = (await (await read()).json()) as {
        partner: string;
        store: string;
        limits: Record<string, unknown>[];
      };
      const second = (await (await read()).json()) as typeof first;
      assert.deepEqual(second, first);
      assert.equal(first.partner, 'acme');
      assert.equal(first.store, 'memory');
      const [rate, quota, concurrency] = first.limits;
      assert.deepEqual([rate!.name, rate!.used, rate!.remaining], ['rate', 2, 8]);
      assert.deepEqual([quota!.name, quota!.used, quota!.remaining], ['quota-month', 2, 98]);
      assert.equal(quota!.resetsAt, '2026-03-31T22:00:00.000Z');
      assert.deepEqual([concurrency!.used, concurrency!.remaining], [0, 3]);
      const anonymous = await fetch(`${t.url}/portcullis/v1/usage`);
      assert.equal(anonymous.status, 401);
      const usage = await t.gateway.runtime.limitUsage();
      assert.deepEqual(usage[0]!.limits, first.limits);
    } finally {
      await t.close();
    }
  });

  test('a partner without limits sees no RateLimit fields and an empty usage', async () => {
    const { t } = await withLimits({});
    try {
      const res = await get(t);
      assert.equal(res.headers.get('ratelimit'), null);
      const usage = await fetch(`${t.url}/portcullis/v1/usage`, { headers: { 'x-api-key': t.key } });
      assert.deepEqual(((await usage.json()) as { limits: unknown[] }).limits, []);
    } finally {
      await t.close();
    }
  });

  test('a dry run refuses nothing, shows nothing to the partner, and records the shadow denial', async () => {
    const { t } = await withLimits({ enforced: false, rate: { limit: 1, window: '1m', burst: 1 } });
    try {
      assert.equal((await get(t)).status, 200);
      const second = await get(t);
      assert.equal(second.status, 200);
      assert.equal(second.headers.get('ratelimit'), null);
      assert.equal(t.upstream.requests.length, 2);
      await eventually(async () => t.logs.some((l) => l.includes('"code":"rate_limited"')));
      const counts = t.gateway.limits.counters.for('acme');
      assert.deepEqual([counts.allowed, counts.denied.rate, counts.shadowDenied], [1, 1, 1]);
      const limit = t.gateway.runtime.counters.find((c) => c.name === 'limit')!;
      assert.deepEqual([limit.allowed, limit.shadowDenied], [1, 1]);
    } finally {
      await t.close();
    }
  });

  describe('concurrency', () => {
    /** An upstream that holds every request until released. */
    function holdingUpstream() {
      const held: ServerResponse[] = [];
      return {
        held,
        handler: (_req: unknown, res: ServerResponse) => {
          held.push(res);
        },
        releaseAll() {
          for (const res of held.splice(0)) res.end('done');
        },
      };
    }

    /** The slot is back: the usage says so, and the next request goes through. */
    async function slotIsFreeAgain(t: TestGateway, upstream: ReturnType<typeof holdingUpstream>) {
      await eventually(async () => (await slotsInUse(t)) === 0);
      upstream.held.length = 0;
      const next = get(t);
      await eventually(async () => upstream.held.length === 1);
      upstream.releaseAll();
      assert.equal((await next).status, 200);
    }

    test('refuses past the cap with concurrency_limited and frees the slot when a request completes', async () => {
      const upstream = holdingUpstream();
      const { t } = await withLimits({ concurrency: 1 }, { handler: upstream.handler });
      try {
        const first = get(t);
        await eventually(async () => upstream.held.length === 1);
        const refused = await get(t);
        assert.equal(refused.status, 429);
        assert.equal(((await refused.json()) as { code: string }).code, 'concurrency_limited');
        upstream.releaseAll();
        assert.equal((await first).status, 200);
        await slotIsFreeAgain(t, upstream);
      } finally {
        upstream.releaseAll();
        await t.close();
      }
    });

    test('frees the slot when the client aborts', async () => {
      const upstream = holdingUpstream();
      const { t } = await withLimits({ concurrency: 1 }, { handler: upstream.handler });
      try {
        const aborted = request(`${t.url}/pets`, { headers: { 'x-api-key': t.key } });
        aborted.on('error', () => {});
        aborted.end();
        await eventually(async () => upstream.held.length === 1);
        assert.equal((await get(t)).status, 429);
        assert.equal(await slotsInUse(t), 1);
        aborted.destroy();
        await slotIsFreeAgain(t, upstream);
      } finally {
        upstream.releaseAll();
        await t.close();
      }
    });

    test('frees the slot when the upstream times out', async () => {
      const upstream = holdingUpstream();
      const { t } = await withLimits(
        { concurrency: 1 },
        { handler: upstream.handler, gateway: { upstream: { responseTimeoutMs: 100 } } },
      );
      try {
        const timedOut = await get(t);
        assert.equal(timedOut.status, 504);
        assert.equal(((await timedOut.json()) as { code: string }).code, 'upstream_timeout');
        await slotIsFreeAgain(t, upstream);
      } finally {
        upstream.releaseAll();
        await t.close();
      }
    });
  });

  test('limits toward a failing upstream tighten by the configured factor', async () => {
    const { t } = await withLimits(
      { rate: { limit: 1, window: '1m', burst: 40 } },
      {
        handler: (_req, res) => {
          res.statusCode = 500;
          res.end();
        },
      },
    );
    try {
      // 20 failed calls (the default minimum) degrade the upstream: half the burst is left,
      // and at factor 0.5 each unit costs twice as much, so 10 more calls, not 20.
      for (let i = 0; i < 20; i++) assert.equal((await get(t)).status, 500);
      let admitted = 0;
      for (let i = 0; i < 25; i++) if ((await get(t)).status === 500) admitted++;
      assert.equal(admitted, 10);
    } finally {
      await t.close();
    }
  });
});
