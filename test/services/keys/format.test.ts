import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { apiKeyId, generateApiKey, hashApiKey } from '../../../src/services/keys/format.ts';

describe('API key format', () => {
  test('generates distinct keys whose id is recoverable and whose hash matches', () => {
    const a = generateApiKey();
    const b = generateApiKey();
    assert.notEqual(a.key, b.key);
    assert.match(a.key, /^ptc_[a-z2-7]{12}_[A-Za-z0-9_-]{43}$/);
    assert.equal(apiKeyId(a.key), a.id);
    assert.equal(hashApiKey(a.key), a.sha256);
    assert.notEqual(a.sha256, b.sha256);
  });

  test('refuses anything that is not exactly the key shape', () => {
    const { key } = generateApiKey();
    for (const bad of [
      '',
      key.slice(0, -1),
      `${key}x`,
      key.replace('ptc_', 'ptk_'),
      `${key.slice(0, 16)}-${key.slice(17)}`,
      key.replace(/[a-z]/, 'A'),
      `${key.slice(0, -1)}=`,
    ]) {
      assert.equal(apiKeyId(bad), undefined, bad);
    }
  });
});
