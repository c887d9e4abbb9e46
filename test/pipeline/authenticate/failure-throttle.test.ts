import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AuthFailureThrottle } from '../../../src/pipeline/authenticate/failure-throttle.ts';

describe('failed authentications per client address', () => {
  const settings = { limit: 3, windowMs: 60_000 };

  test('an address is refused once it reached the limit, until its window ends', () => {
    const throttle = new AuthFailureThrottle();
    for (let i = 0; i < 2; i++) throttle.recordFailure('10.0.0.1', 1_000 + i, settings);
    assert.equal(throttle.retryAfter('10.0.0.1', 1_010, settings), undefined);
    throttle.recordFailure('10.0.0.1', 1_020, settings);
    assert.equal(throttle.retryAfter('10.0.0.1', 1_030, settings), 60);
    assert.equal(throttle.retryAfter('10.0.0.1', 50_500, settings), 11);
    assert.equal(
      throttle.retryAfter('10.0.0.2', 1_030, settings),
      undefined,
      'other addresses are not affected',
    );
    assert.equal(throttle.retryAfter('10.0.0.1', 61_000, settings), undefined, 'the window ended');
    assert.equal(throttle.tracked, 0, 'the ended window of a refused address is dropped when asked');
  });

  test('failures in an ended window do not count towards the next one', () => {
    const throttle = new AuthFailureThrottle();
    throttle.recordFailure('a', 0, settings);
    throttle.recordFailure('a', 1, settings);
    throttle.recordFailure('a', 60_000, settings);
    throttle.recordFailure('a', 60_001, settings);
    assert.equal(throttle.retryAfter('a', 60_002, settings), undefined);
    throttle.recordFailure('a', 60_003, settings);
    assert.equal(throttle.retryAfter('a', 60_004, settings), 60);
  });

  test('limit 0 turns it off', () => {
    const throttle = new AuthFailureThrottle();
    const off = { limit: 0, windowMs: 60_000 };
    for (let i = 0; i < 100; i++) throttle.recordFailure('a', i, off);
    assert.equal(throttle.retryAfter('a', 100, off), undefined);
    assert.equal(throttle.tracked, 0);
  });

  test('a flood of addresses is bounded: ended windows go first, then the oldest', () => {
    const throttle = new AuthFailureThrottle();
    const one = { limit: 1, windowMs: 60_000 };
    throttle.recordFailure('early', 0, one);
    for (let i = 0; i < 100_000; i++) throttle.recordFailure(`x${i}`, 70_000, one);
    assert.equal(throttle.tracked, 100_000);
    assert.equal(throttle.retryAfter('x99999', 70_001, one), 60, 'the newest is kept');
    throttle.recordFailure('late', 70_002, one);
    assert.equal(throttle.tracked, 100_000);
    assert.equal(throttle.retryAfter('x0', 70_003, one), undefined, 'the oldest open window went');
    assert.equal(throttle.retryAfter('late', 70_003, one), 60);
  });
});
