import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { openStores } from '../../src/store/open.ts';
import { tempConfigDir } from '../support/config.ts';

describe('SQLite stores shared by several processes', () => {
  const dir = tempConfigDir();
  after(() => dir.remove());
  const open = () => openStores({ kind: 'sqlite', path: 'shared.db' }, dir.dir);
  const gateway = open();
  const cli = open();
  after(() => {
    gateway.close();
    cli.close();
  });

  test('a token revoked by another connection is seen from the next event-loop turn', async () => {
    assert.equal(gateway.revocations.isRevoked('jti-1'), false);
    cli.revocations.revoke({
      jti: 'jti-1',
      partner: 'acme',
      expiresAt: Date.now() + 60_000,
      revokedAt: Date.now(),
    });
    await nextTurn();
    assert.equal(gateway.revocations.isRevoked('jti-1'), true);
  });

  test('revocations accumulate; expired ones are purged without losing live ones', async () => {
    const now = Date.now();
    cli.revocations.revoke({ jti: 'short', partner: 'acme', expiresAt: now + 10, revokedAt: now });
    cli.revocations.revoke({ jti: 'long', partner: 'acme', expiresAt: now + 60_000, revokedAt: now + 20 });
    await nextTurn();
    assert.equal(gateway.revocations.isRevoked('long'), true);
    assert.equal(gateway.revocations.isRevoked('jti-1'), true);
    gateway.revocations.revoke({ jti: 'mine', partner: 'acme', expiresAt: now + 60_000, revokedAt: now });
    assert.equal(gateway.revocations.isRevoked('mine'), true, 'own writes are seen at once');
  });

  test('a partner suspended by another connection is seen from the next turn', async () => {
    assert.equal(gateway.partners.get('acme'), undefined);
    cli.partners.set({ partner: 'acme', status: 'suspended', changedAt: Date.now(), reason: undefined });
    await nextTurn();
    assert.equal(gateway.partners.get('acme')?.status, 'suspended');
  });

  test('a client revoked by another connection is seen from the next turn', async () => {
    const record = {
      id: 'pcl_aaaaaaaaaaaaaaaa',
      partner: 'acme',
      application: 'default',
      label: undefined,
      secretSha256: 'ab',
      previousSecretSha256: undefined,
      previousSecretExpiresAt: undefined,
      keys: [],
      createdAt: Date.now(),
      revokedAt: undefined,
    };
    gateway.clients.insert(record);
    assert.equal(gateway.clients.find(record.id)?.revokedAt, undefined);
    cli.clients.revoke(record.id, Date.now());
    await nextTurn();
    assert.notEqual(gateway.clients.find(record.id)?.revokedAt, undefined);
  });

  test('a client assertion id is accepted once across connections', () => {
    const exp = Date.now() + 60_000;
    assert.equal(gateway.assertionReplay.remember('c', 'j', exp, Date.now()), true);
    assert.equal(cli.assertionReplay.remember('c', 'j', exp, Date.now()), false);
    assert.equal(cli.assertionReplay.remember('other-client', 'j', exp, Date.now()), true);
  });
});
