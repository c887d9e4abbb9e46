import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { VerifiedTokenCache } from '../../../src/pipeline/authenticate/verified-cache.ts';

describe('the verified-token cache', () => {
  test('never serves an entry at or past its expiry', () => {
    const cache = new VerifiedTokenCache<{ expiresAt: number }>(10);
    cache.set('a', { expiresAt: 1000 });
    assert.ok(cache.get('a', 999));
    assert.equal(cache.get('a', 1000), undefined);
    assert.equal(cache.get('a', 0), undefined, 'an expired entry is dropped, not kept');
  });

  test('is bounded: the oldest entry goes first', () => {
    const cache = new VerifiedTokenCache<{ expiresAt: number }>(2);
    for (const key of ['a', 'b', 'c']) cache.set(key, { expiresAt: 10 });
    assert.equal(cache.get('a', 0), undefined);
    assert.ok(cache.get('b', 0) && cache.get('c', 0));
  });

  test('a size of 0 disables it', () => {
    const cache = new VerifiedTokenCache<{ expiresAt: number }>(0);
    cache.set('a', { expiresAt: 10 });
    assert.equal(cache.get('a', 0), undefined);
  });
});
