import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, test } from 'node:test';
import type { Exchange } from '../../../src/pipeline/exchange.ts';
import { LimitCounters } from '../../../src/pipeline/limit/counters.ts';
import { createLimitStage } from '../../../src/pipeline/limit/stage.ts';
import type { Denial } from '../../../src/pipeline/stage.ts';
import type { LimitAnswer, LimitStore } from '../../../src/store/limits/types.ts';
import { MemoryLimitStore } from '../../../src/store/memory/limits.ts';
import { ManualClock, planWithLimits } from '../../support/limits.ts';

const healthy = { factor: () => 1 };

/** Just enough of an exchange for the limit stage: identity, route and a closable response. */
function fakeExchange(operation: object): Exchange & { res: EventEmitter & { closed: boolean } } {
  const res = Object.assign(new EventEmitter(), { closed: false });
  return {
    identity: { partner: 'acme', application: 'default', credential: { kind: 'api_key', id: 'k' } },
    route: { target: { api: 'pets', operation, template: '/pets', paramNames: [] }, params: {} },
    res,
    responseHeaders: undefined,
  } as unknown as Exchange & { res: EventEmitter & { closed: boolean } };
}

/** A store that answers asynchronously, when the test says so. */
function deferredStore(inner: MemoryLimitStore): LimitStore & { answer(): void } {
  let pending: (() => void) | undefined;
  return {
    consume(limits, factor) {
      return new Promise<LimitAnswer>((resolve) => {
        pending = () => resolve(inner.consume(limits, factor));
      });
    },
    peek: (limits) => inner.peek(limits),
    stats: () => inner.stats(),
    start: () => Promise.resolve(),
    close: () => Promise.resolve(),
    answer: () => pending?.(),
  };
}

describe('limit stage', () => {
  const plan = planWithLimits({ concurrency: 1, rate: { limit: 1, window: '1m', burst: 1 } });
  const listPets = plan.apis.get('pets')!.spec.operations.find((o) => o.id === 'listPets')!;

  test('gives a slot back at once when the client left while the store was deciding', async () => {
    const memory = new MemoryLimitStore(new ManualClock(0));
    const store = deferredStore(memory);
    const stage = createLimitStage(plan.limits, { store, health: healthy, counters: new LimitCounters() });
    const ex = fakeExchange(listPets);
    const verdict = stage(ex) as Promise<Denial | undefined>;
    ex.res.closed = true;
    ex.res.emit('close');
    store.answer();
    assert.equal(await verdict, undefined);
    assert.equal(memory.peek(plan.limits.get('acme')!.all).remaining[1], 1);
  });

  test('holds the slot until the response closes', () => {
    const memory = new MemoryLimitStore(new ManualClock(0));
    const stage = createLimitStage(plan.limits, {
      store: memory,
      health: healthy,
      counters: new LimitCounters(),
    });
    const ex = fakeExchange(listPets);
    assert.equal(stage(ex), undefined);
    assert.match(ex.responseHeaders!.ratelimit!, /"concurrency";r=0/);
    assert.equal(memory.peek(plan.limits.get('acme')!.all).remaining[1], 0);
    ex.res.closed = true;
    ex.res.emit('close');
    assert.equal(memory.peek(plan.limits.get('acme')!.all).remaining[1], 1);
  });

  test('names the quota before the rate when both trip, and counts the refusal', () => {
    const both = planWithLimits({
      rate: { limit: 1, window: '1m', burst: 1 },
      quotas: [{ limit: 1, period: 'day' }],
    });
    const operation = both.apis.get('pets')!.spec.operations.find((o) => o.id === 'listPets')!;
    const counters = new LimitCounters();
    const stage = createLimitStage(both.limits, {
      store: new MemoryLimitStore(new ManualClock(0)),
      health: healthy,
      counters,
    });
    assert.equal(stage(fakeExchange(operation)), undefined);
    const denial = stage(fakeExchange(operation)) as Denial;
    assert.equal(denial.code, 'quota_exceeded');
    assert.deepEqual(denial.extensions?.['violated-policies'], ['rate', 'quota-day']);
    assert.equal(denial.headers?.['retry-after'], String(86_400));
    assert.deepEqual(counters.for('acme').denied, { rate: 0, quota: 1, concurrency: 0 });
  });

  test('a store that cannot decide refuses with limits_unavailable', () => {
    const stage = createLimitStage(plan.limits, {
      store: { ...deferredStore(new MemoryLimitStore(new ManualClock(0))), consume: () => 'unavailable' },
      health: healthy,
      counters: new LimitCounters(),
    });
    assert.equal((stage(fakeExchange(listPets)) as Denial).code, 'limits_unavailable');
  });
});
