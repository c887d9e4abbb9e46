import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { PortcullisError } from '../../../src/errors.ts';
import { createSealer } from '../../../src/services/secrets/envelope.ts';
import { loadMasterKey, MASTER_KEY_ENV } from '../../../src/services/secrets/master-key.ts';
import { tempConfigDir } from '../../support/config.ts';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return PortcullisError.is(error) ? error.code : String(error);
  }
  return 'no error';
};

describe('envelope encryption', () => {
  const sealer = createSealer(randomBytes(32));
  const secret = Buffer.from('the private key');

  test('a sealed value opens with the same master key and context only', () => {
    const sealed = sealer.seal(secret, 'signing-key:a');
    assert.ok(!sealed.includes(secret.toString('base64url')));
    assert.deepEqual(sealer.open(sealed, 'signing-key:a'), secret);
    assert.equal(
      codeOf(() => sealer.open(sealed, 'signing-key:b')),
      'secret_unreadable',
    );
    assert.equal(
      codeOf(() => createSealer(randomBytes(32)).open(sealed, 'signing-key:a')),
      'secret_unreadable',
    );
  });

  test('each seal uses a fresh data key, and tampering is detected', () => {
    const a = sealer.seal(secret, 'c');
    assert.notEqual(a, sealer.seal(secret, 'c'));
    const parts = a.split('.');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[body.length - 1]! ^= 1;
    parts[3] = body.toString('base64url');
    assert.equal(
      codeOf(() => sealer.open(parts.join('.'), 'c')),
      'secret_unreadable',
    );
  });
});

describe('the master key', () => {
  const dir = tempConfigDir();
  after(() => dir.remove());
  const store = { kind: 'sqlite' as const, path: 'data/portcullis.db' };

  test('is created once as a 0600 file beside the store, and read back the same', () => {
    const first = loadMasterKey(store, dir.dir, {});
    assert.equal(statSync(join(dir.dir, 'data/master.key')).mode & 0o777, 0o600);
    assert.deepEqual(loadMasterKey(store, dir.dir, {}), first);
  });

  test('comes from PORTCULLIS_MASTER_KEY when set, and must be 32 bytes', () => {
    const key = randomBytes(32);
    assert.deepEqual(loadMasterKey(store, dir.dir, { [MASTER_KEY_ENV]: key.toString('base64url') }), key);
    assert.equal(
      codeOf(() => loadMasterKey(store, dir.dir, { [MASTER_KEY_ENV]: 'c2hvcnQ' })),
      'secret_unreadable',
    );
  });

  test('a key file readable by others is refused', () => {
    const other = tempConfigDir();
    try {
      loadMasterKey(store, other.dir, {});
      chmodSync(join(other.dir, 'data/master.key'), 0o644);
      assert.equal(
        codeOf(() => loadMasterKey(store, other.dir, {})),
        'secret_unreadable',
      );
    } finally {
      other.remove();
    }
  });
});
