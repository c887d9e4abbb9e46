import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LimitDecision } from '../../../src/store/limits/types.ts';
import { MemoryLimitStore } from '../../../src/store/memory/limits.ts';
import { ManualClock, operationLimits, partnerLimits, planWithLimits } from '../../support/limits.ts';

const START = Date.UTC(2026, 0, 15, 12);

function setup(limits: Record<string, unknown>) {
  const clock = new ManualClock(START);
  const store = new MemoryLimitStore(clock);
  return { clock, store, limits: partnerLimits(limits) };
}

const admitted = (decisions: LimitDecision[]) => decisions.filter((d) => d.allowed).length;

describe('in-memory limit store', () => {
  test('admits the burst, then the steady rate', () => {
    const { clock, store, limits } = setup({ rate: { limit: 10, window: '1s', burst: 4 } });
    const burst = Array.from({ length: 6 }, () => store.consume(limits.base, 1));
    assert.equal(admitted(burst), 4);
    assert.deepEqual(burst[5]!.refused, [0]);
    assert.equal(burst[5]!.retryAfterMs, 100);
    let later = 0;
    for (let i = 0; i < 100; i++) {
      clock.advance(50);
      if (store.consume(limits.base, 1).allowed) later++;
    }
    assert.equal(later, 50);
  });

  test('a quota refuses past its limit until the next local day, and resets there', () => {
    const { clock, store, limits } = setup({ quotas: [{ limit: 3, period: 'day', timeZone: 'Asia/Tokyo' }] });
    clock.set(Date.UTC(2026, 0, 15, 14, 59)); // 23:59 in Tokyo
    assert.equal(admitted(Array.from({ length: 5 }, () => store.consume(limits.base, 1))), 3);
    const refused = store.consume(limits.base, 1);
    assert.equal(refused.allowed, false);
    assert.equal(refused.retryAfterMs, 60_000);
    assert.equal(refused.remaining[0], 0);
    clock.set(Date.UTC(2026, 0, 15, 15)); // midnight in Tokyo
    const fresh = store.consume(limits.base, 1);
    assert.equal(fresh.allowed, true);
    assert.equal(fresh.remaining[0], 2);
    assert.equal(fresh.resetMs[0], 86_400_000);
  });

  test('an hourly quota across the repeated hour of a DST change resets on each hour', () => {
    const { clock, store, limits } = setup({
      quotas: [{ limit: 1, period: 'hour', timeZone: 'Europe/Paris' }],
    });
    clock.set(Date.UTC(2026, 9, 25, 0, 59)); // 02:59 CEST
    assert.equal(store.consume(limits.base, 1).allowed, true);
    assert.equal(store.consume(limits.base, 1).allowed, false);
    clock.set(Date.UTC(2026, 9, 25, 1, 0)); // 02:00 CET, the second 2 o'clock
    assert.equal(store.consume(limits.base, 1).allowed, true);
  });

  test('a refused request consumes nothing from the limits that would have allowed it', () => {
    const { store, limits } = setup({
      rate: { limit: 100, burst: 100 },
      quotas: [{ limit: 2, period: 'day' }],
    });
    store.consume(limits.base, 1);
    store.consume(limits.base, 1);
    const refused = store.consume(limits.base, 1);
    assert.deepEqual(refused.refused, [1]);
    // The rate still shows the two admitted requests only.
    assert.equal(refused.remaining[0], 98);
    assert.equal(store.peek(limits.all).remaining[0], 98);
  });

  test('a weighted operation consumes its weight from the rate and the quota', () => {
    const plan = planWithLimits({
      rate: { limit: 10, burst: 10 },
      quotas: [{ limit: 100, period: 'month' }],
      operations: [{ api: 'pets', operations: ['createPet'], weight: 4 }],
    });
    const limits = plan.limits.get('acme')!;
    const store = new MemoryLimitStore(new ManualClock(START));
    const create = operationLimits(limits, plan, 'createPet');
    const list = operationLimits(limits, plan, 'listPets');
    assert.deepEqual(store.consume(create, 1).remaining, [6, 96]);
    assert.deepEqual(store.consume(list, 1).remaining, [5, 95]);
    assert.equal(store.consume(create, 1).allowed, true);
    assert.equal(store.consume(create, 1).allowed, false);
    assert.equal(store.consume(list, 1).allowed, true);
  });

  test("an operation's own rate applies besides the partner's", () => {
    const plan = planWithLimits({
      rate: { limit: 100 },
      operations: [{ api: 'pets', operations: ['createPet'], rate: { limit: 1, window: '1m' } }],
    });
    const limits = plan.limits.get('acme')!;
    const store = new MemoryLimitStore(new ManualClock(START));
    const create = operationLimits(limits, plan, 'createPet');
    assert.equal(store.consume(create, 1).allowed, true);
    const refused = store.consume(create, 1);
    assert.deepEqual(refused.refused, [1]);
    assert.equal(refused.retryAfterMs, 60_000);
    assert.equal(store.consume(operationLimits(limits, plan, 'listPets'), 1).allowed, true);
  });

  test('concurrency slots are held until released, and released once only', () => {
    const { store, limits } = setup({ concurrency: 2 });
    const first = store.consume(limits.base, 1);
    const second = store.consume(limits.base, 1);
    assert.equal(store.consume(limits.base, 1).allowed, false);
    first.lease!.release();
    first.lease!.release();
    const third = store.consume(limits.base, 1);
    assert.equal(third.allowed, true);
    assert.equal(store.consume(limits.base, 1).allowed, false);
    second.lease!.release();
    third.lease!.release();
    assert.equal(store.peek(limits.all).remaining[0], 2);
  });

  test('an adaptive factor tightens rate, burst and concurrency, never quotas', () => {
    const { store, limits } = setup({
      rate: { limit: 10, burst: 10 },
      concurrency: 4,
      quotas: [{ limit: 5, period: 'day' }],
    });
    const decisions = Array.from({ length: 8 }, () => store.consume(limits.base, 0.5));
    assert.equal(admitted(decisions), 2);
    assert.deepEqual(decisions[2]!.refused, [2]);
    const other = setup({ rate: { limit: 10, burst: 10 }, quotas: [{ limit: 3, period: 'day' }] });
    assert.equal(admitted(Array.from({ length: 5 }, () => other.store.consume(other.limits.base, 0.5))), 3);
  });

  test('a share of the limits (the fallback of a fleet) divides rate, burst, quota and concurrency', () => {
    const { store, limits } = setup({
      rate: { limit: 30, burst: 30 },
      quotas: [{ limit: 6, period: 'day' }],
    });
    store.share = 1 / 3;
    assert.equal(admitted(Array.from({ length: 20 }, () => store.consume(limits.base, 1))), 2);
    const rate = setup({ rate: { limit: 30, burst: 30 } });
    rate.store.share = 1 / 3;
    assert.equal(admitted(Array.from({ length: 20 }, () => rate.store.consume(rate.limits.base, 1))), 10);
  });

  test('decisions are deterministic: the same requests at the same times give the same answers', () => {
    const run = () => {
      const { clock, store, limits } = setup({
        rate: { limit: 5, burst: 3 },
        quotas: [{ limit: 40, period: 'hour' }],
        concurrency: 2,
      });
      const out: string[] = [];
      for (let i = 0; i < 120; i++) {
        clock.advance((i * 37) % 250);
        const d = store.consume(limits.base, 1);
        if (i % 3 === 0) d.lease?.release();
        out.push(`${d.allowed}:${d.remaining.join(',')}:${d.refused.join(',')}:${d.retryAfterMs}`);
      }
      return out;
    };
    assert.deepEqual(run(), run());
  });
});
