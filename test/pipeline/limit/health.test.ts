import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { combineHealthSignals, UpstreamHealthTracker } from '../../../src/pipeline/limit/health.ts';
import { ManualClock } from '../../support/limits.ts';

const CONFIG = {
  enabled: true,
  factor: 0.25,
  errorRatio: 0.5,
  latencyMs: 1000,
  windowMs: 10_000,
  minRequests: 10,
  recoveryMs: 4000,
};

function setup(config = CONFIG) {
  const clock = new ManualClock(1_000_000);
  return { clock, tracker: new UpstreamHealthTracker(config, clock) };
}

describe('upstream health signal', () => {
  test('an upstream failing half its calls is degraded: its limits get the configured factor', () => {
    const { tracker } = setup();
    for (let i = 0; i < 10; i++) tracker.observe('orders', i % 2 === 0, 20);
    assert.equal(tracker.factor('orders'), 0.25);
    assert.equal(tracker.factor('billing'), 1);
  });

  test('too few calls give no verdict', () => {
    const { tracker } = setup();
    for (let i = 0; i < 9; i++) tracker.observe('orders', true, 20);
    assert.equal(tracker.factor('orders'), 1);
  });

  test('mean latency over the objective degrades too', () => {
    const { tracker } = setup();
    for (let i = 0; i < 10; i++) tracker.observe('orders', false, 1500);
    assert.equal(tracker.factor('orders'), 0.25);
  });

  test('limits relax linearly once the upstream recovers', () => {
    const { clock, tracker } = setup();
    for (let i = 0; i < 10; i++) tracker.observe('orders', true, 20);
    clock.advance(9000);
    assert.equal(tracker.factor('orders'), 0.25);
    clock.advance(1001); // the failures leave the window: recovery starts
    assert.equal(tracker.factor('orders'), 0.25);
    clock.advance(2000);
    assert.equal(tracker.factor('orders'), 0.25 + 0.75 * (2000 / 4000));
    clock.advance(2000);
    assert.equal(tracker.factor('orders'), 1);
  });

  test('disabled, it never tightens anything', () => {
    const { tracker } = setup({ ...CONFIG, enabled: false });
    for (let i = 0; i < 20; i++) tracker.observe('orders', true, 20);
    assert.equal(tracker.factor('orders'), 1);
  });

  test('several signals combine to the tightest', () => {
    const combined = combineHealthSignals([
      { factor: () => 0.8 },
      { factor: (api) => (api === 'a' ? 0.3 : 1) },
    ]);
    assert.equal(combined.factor('a'), 0.3);
    assert.equal(combined.factor('b'), 0.8);
  });
});
