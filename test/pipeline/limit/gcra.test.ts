import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gcra } from '../../../src/pipeline/limit/gcra.ts';

/** 10 units per second (one every 100 ms), burst 5. */
const EMISSION = 100;
const TOLERANCE = 5 * EMISSION;

/** Replays requests at the given instants; returns which were admitted. */
function replay(times: readonly number[], cost = 1): boolean[] {
  let tat: number | undefined;
  return times.map((now) => {
    const outcome = gcra(tat, now, cost, EMISSION, TOLERANCE);
    if (outcome.allowed) tat = outcome.tat;
    return outcome.allowed;
  });
}

describe('GCRA', () => {
  test('admits exactly the burst at one instant, then refuses', () => {
    assert.deepEqual(replay(Array(7).fill(1000)), [true, true, true, true, true, false, false]);
  });

  test('after the burst, admits one unit per emission interval and no more', () => {
    const times = [...Array(5).fill(0), 50, 100, 150, 200, 299.9, 300];
    assert.deepEqual(replay(times), [true, true, true, true, true, false, true, false, true, false, true]);
  });

  test('a steady rate at the limit is admitted indefinitely; above it, only the burst extra', () => {
    const steady = Array.from({ length: 1000 }, (_, i) => i * EMISSION);
    assert.ok(replay(steady).every(Boolean));
    // 20 per second for 10 s against 10 per second with burst 5: 100 + 5 admitted.
    const fast = Array.from({ length: 200 }, (_, i) => i * 50);
    assert.equal(replay(fast).filter(Boolean).length, Math.floor(9950 / EMISSION) + 5);
  });

  test('a refused request consumes nothing: a tight retry loop is admitted when a unit is due', () => {
    const times = [...Array(5).fill(0), ...Array.from({ length: 99 }, (_, i) => i + 1), 100];
    const admitted = replay(times);
    assert.equal(admitted.filter(Boolean).length, 6);
    assert.equal(admitted.at(-1), true);
  });

  test('reports whole units left, the time to full, and how long to wait when refused', () => {
    const first = gcra(undefined, 0, 1, EMISSION, TOLERANCE);
    assert.deepEqual([first.remaining, first.resetMs], [4, 100]);
    const refused = gcra(500, 0, 1, EMISSION, TOLERANCE);
    assert.deepEqual(
      [refused.allowed, refused.remaining, refused.retryAfterMs, refused.tat],
      [false, 0, 100, 500],
    );
  });

  test('a weighted request costs several units', () => {
    assert.deepEqual(replay([0, 0, 0], 2), [true, true, false]);
  });

  test('a request heavier than the burst passes on a full bucket only', () => {
    assert.deepEqual(replay([0, 100, 799, 800], 8), [true, false, false, true]);
  });

  test('fractional intervals do not lose an admission to rounding', () => {
    const third = 1000 / 3;
    let tat: number | undefined;
    let admitted = 0;
    for (let i = 0; i < 3000; i++) {
      const outcome = gcra(tat, i * third, 1, third, third);
      if (outcome.allowed) {
        admitted++;
        tat = outcome.tat;
      }
    }
    assert.equal(admitted, 3000);
  });
});
