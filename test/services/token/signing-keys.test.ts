import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { PortcullisError } from '../../../src/errors.ts';
import { createSealer } from '../../../src/services/secrets/envelope.ts';
import type { SigningPolicy } from '../../../src/services/token/plan.ts';
import { JWKS_MAX_AGE_SECONDS, SigningKeyRing } from '../../../src/services/token/signing-keys.ts';
import { openStores } from '../../../src/store/open.ts';
import { tempConfigDir } from '../../support/config.ts';

const POLICY: SigningPolicy = { algorithm: 'ES256', rotateAfterMs: 86_400_000, retireAfterMs: 330_000 };

describe('the signing key ring', () => {
  const dir = tempConfigDir();
  after(() => dir.remove());
  const sealer = createSealer(randomBytes(32));
  let now = 1_800_000_000_000;
  const clock = { now: () => now };
  const open = () => openStores({ kind: 'sqlite', path: 'keys.db' }, dir.dir);
  const ring = (stores: ReturnType<typeof open>, actor = 'test') =>
    new SigningKeyRing({ store: stores.signingKeys, sealer, clock, audit: stores.audit, actor });

  test('two processes starting at once create one pair of keys', () => {
    const [a, b] = [open(), open()];
    try {
      ring(a).ensure(POLICY);
      ring(b).ensure(POLICY);
      const [one, two] = a.signingKeys.list();
      assert.equal(b.signingKeys.initialize(one!, two!), false, 'the second initialisation changes nothing');
      assert.deepEqual(
        b.signingKeys
          .list()
          .map((k) => k.state)
          .sort(),
        ['current', 'next'],
      );
      assert.equal(ring(a).signingKey(POLICY).kid, ring(b).signingKey(POLICY).kid);
    } finally {
      a.close();
      b.close();
    }
  });

  test('two processes rotating the same key rotate once', () => {
    const [a, b] = [open(), open()];
    try {
      now += JWKS_MAX_AGE_SECONDS * 1000;
      const before = a.signingKeys.list().find((k) => k.state === 'current')!.kid;
      const first = ring(a).rotate(POLICY);
      const ringB = ring(b);
      now += 1;
      // b still holds a stale view of who is current; the compare-and-swap refuses its rotation.
      assert.equal(b.signingKeys.rotate(before, b.signingKeys.list()[0]!, now, now), false);
      assert.equal(ringB.signingKey(POLICY).kid, first.current);
      assert.deepEqual(
        a.signingKeys
          .list()
          .map((k) => k.state)
          .sort(),
        ['current', 'next', 'previous'],
      );
    } finally {
      a.close();
      b.close();
    }
  });

  test('publishes next before it signs, retires previous after its tokens expired', () => {
    const stores = open();
    try {
      const keys = ring(stores);
      const next = stores.signingKeys.list().find((k) => k.state === 'next')!.kid;
      assert.ok(keys.jwks().keys.some((k) => k.kid === next));
      assert.notEqual(keys.signingKey(POLICY).kid, next);
      const previous = stores.signingKeys.list().find((k) => k.state === 'previous')!;
      assert.equal(keys.status(previous.kid), 'published');
      now = previous.retireAt!;
      assert.equal(keys.status(previous.kid), 'removed');
      assert.ok(!keys.jwks().keys.some((k) => k.kid === previous.kid));
      assert.ok(keys.jwks().keys.every((k) => k.d === undefined));
    } finally {
      stores.close();
    }
  });

  test('refuses a rotation whose next key relying parties may not have seen, unless forced', () => {
    const stores = open();
    try {
      const keys = ring(stores);
      now += JWKS_MAX_AGE_SECONDS * 1000;
      keys.rotate(POLICY);
      assert.throws(
        () => keys.rotate(POLICY),
        (e) => PortcullisError.is(e) && e.code === 'key_invalid',
      );
      assert.doesNotThrow(() => keys.rotate(POLICY, { force: true }));
      const rotations = stores.audit.recent(50).filter((e) => e.action === 'signing_key.rotated');
      assert.ok(rotations.every((e) => e.details?.reason === 'on_demand'));
    } finally {
      stores.close();
    }
  });

  test('a key sealed with another master key is refused, not used', () => {
    const stores = open();
    try {
      const stranger = new SigningKeyRing({
        store: stores.signingKeys,
        sealer: createSealer(randomBytes(32)),
        clock,
        audit: stores.audit,
        actor: 'test',
      });
      assert.throws(
        () => stranger.signingKey(POLICY),
        (e) => PortcullisError.is(e) && e.code === 'secret_unreadable',
      );
    } finally {
      stores.close();
    }
  });

  test('reports when the current key is due to rotate and when the previous one retires', () => {
    const stores = openStores({ kind: 'memory', path: 'unused.db' }, dir.dir);
    const reported = new Map<string, number>();
    const expiry = {
      set: (kind: string, name: string, at: number) => reported.set(`${kind}/${name}`, at),
      delete: (kind: string, name: string) => reported.delete(`${kind}/${name}`),
    };
    try {
      const keys = new SigningKeyRing({
        store: stores.signingKeys,
        sealer,
        clock,
        audit: stores.audit,
        actor: 't',
        expiry,
      });
      const start = now;
      keys.ensure(POLICY);
      assert.equal(reported.get('key/token-signing-current'), start + POLICY.rotateAfterMs);
      assert.equal(reported.has('key/token-signing-previous'), false);
      now += POLICY.rotateAfterMs;
      keys.signingKey(POLICY); // the scheduled rotation
      keys.jwks();
      assert.equal(reported.get('key/token-signing-current'), now + POLICY.rotateAfterMs);
      assert.equal(reported.get('key/token-signing-previous'), now + POLICY.retireAfterMs);
    } finally {
      stores.close();
    }
  });
});
