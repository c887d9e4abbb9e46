import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { compilePlan } from '../../src/config/plan.ts';
import { hashClientSecret } from '../../src/services/token/client-secret.ts';
import { openStores } from '../../src/store/open.ts';
import { runCli } from '../support/cli.ts';
import { contractFile, gatewayFile, PETS_OPENAPI, tempConfigDir } from '../support/config.ts';

describe('portcullis partners and clients', () => {
  const config = tempConfigDir({
    'portcullis.yaml': gatewayFile({
      upstreamUrl: 'http://127.0.0.1:9',
      extra: { tokens: { issuer: 'https://gw.test' } },
    }),
    'apis/pets.yaml': PETS_OPENAPI,
    'contracts/acme.yaml': contractFile('acme', ['listPets']),
  });
  after(() => config.remove());
  const cfg = ['--config', config.dir];
  const state = <T>(read: (stores: ReturnType<typeof openStores>) => T): T => {
    const stores = openStores({ kind: 'sqlite', path: 'data/portcullis.db' }, config.dir);
    try {
      return read(stores);
    } finally {
      stores.close();
    }
  };

  test('partners create writes a contract that grants nothing, records the partner and audits it', async () => {
    const r = await runCli(['partners', 'create', 'initech', '--description', 'Initech Ltd', ...cfg]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(readFileSync(join(config.dir, 'contracts/initech.yaml'), 'utf8'), /grants: \[\]/);
    assert.ok(compilePlan(config.dir).contracts.has('initech'), 'the written contract is valid');
    assert.equal(
      state((s) => s.partners.get('initech')?.status),
      'active',
    );
    assert.equal((await runCli(['partners', 'create', 'initech', ...cfg])).code, 1, 'created twice');
    assert.equal((await runCli(['partners', 'create', '../etc', ...cfg])).code, 2, 'not a partner name');
    const event = state((s) => s.audit.recent(1)[0]);
    assert.deepEqual([event?.kind, event?.action, event?.partner], ['admin', 'partner.created', 'initech']);
  });

  test('suspend, resume and list', async () => {
    assert.equal((await runCli(['partners', 'suspend', 'acme', '--reason', 'audit', ...cfg])).code, 0);
    const listed = JSON.parse((await runCli(['partners', 'list', '--json', ...cfg])).stdout) as {
      partner: string;
      status: string;
    }[];
    assert.equal(listed.find((p) => p.partner === 'acme')?.status, 'suspended');
    assert.equal((await runCli(['partners', 'resume', 'acme', ...cfg])).code, 0);
    assert.equal(
      (await runCli(['partners', 'resume', 'acme', ...cfg])).code,
      1,
      'resuming an active partner',
    );
    assert.equal((await runCli(['partners', 'suspend', 'nobody', ...cfg])).code, 1);
  });

  test('clients create shows the secret once and stores only its hash', async () => {
    const r = await runCli(['clients', 'create', '--partner', 'acme', '--app', 'billing', ...cfg]);
    assert.equal(r.code, 0, r.stderr);
    const id = /client_id: +(pcl_[a-z2-7]{16})/.exec(r.stdout)![1]!;
    const secret = /client_secret: (pcs_[A-Za-z0-9_-]{43})/.exec(r.stdout)![1]!;
    assert.match(r.stdout, /https:\/\/gw\.test\/oauth2\/token/);
    const record = state((s) => s.clients.find(id));
    assert.equal(record?.secretSha256, hashClientSecret(secret));
    assert.equal(record?.application, 'billing');
    const listing = (await runCli(['clients', 'list', ...cfg])).stdout;
    assert.match(listing, new RegExp(`${id}\\s+acme\\s+billing\\s+active\\s+secret`));
    assert.ok(!listing.includes(secret) && !listing.includes(record!.secretSha256!));
    const events = state((s) => s.audit.recent(50));
    assert.ok(!JSON.stringify(events).includes(secret), 'the secret reached the audit trail');
  });

  test('rotate-secret, register-key and revoke, each audited', async () => {
    const created = await runCli(['clients', 'create', '--partner', 'acme', ...cfg]);
    const id = /client_id: +(\S+)/.exec(created.stdout)![1]!;
    const rotated = await runCli(['clients', 'rotate-secret', id, '--overlap', '1h', ...cfg]);
    assert.match(rotated.stdout, /client_secret: pcs_\S+/);
    assert.match(rotated.stdout, /previous secret works until/);

    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = join(config.dir, 'client.pem');
    writeFileSync(pem, publicKey.export({ format: 'pem', type: 'spki' }));
    const registered = await runCli(['clients', 'register-key', id, '--jwk', pem, ...cfg]);
    assert.equal(registered.code, 0, registered.stderr);
    assert.equal(
      state((s) => s.clients.find(id)?.keys.length),
      1,
    );
    writeFileSync(pem, privateKey.export({ format: 'pem', type: 'pkcs8' }));
    const refused = await runCli(['clients', 'register-key', id, '--jwk', pem, ...cfg]);
    assert.match(refused.stderr, /key_invalid/, 'a private key must never be registered');

    assert.equal((await runCli(['clients', 'revoke', id, ...cfg])).code, 0);
    assert.match((await runCli(['clients', 'revoke', id, ...cfg])).stderr, /client_not_found/);
    const actions = state((s) =>
      s.audit
        .recent(10)
        .filter((e) => e.subject === id)
        .map((e) => e.action),
    );
    assert.deepEqual(actions, [
      'client.created',
      'client.secret_rotated',
      'client.key_registered',
      'client.revoked',
    ]);
  });

  test('a key-only client gets no secret', async () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const file = join(config.dir, 'client.jwk');
    writeFileSync(file, JSON.stringify({ keys: [publicKey.export({ format: 'jwk' })] }));
    const r = await runCli(['clients', 'create', '--partner', 'acme', '--jwk', file, ...cfg]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stdout.includes('client_secret'));
    const id = /client_id: +(\S+)/.exec(r.stdout)![1]!;
    assert.equal(
      state((s) => s.clients.find(id)?.secretSha256),
      undefined,
    );
  });

  test('keys rotate-signing needs a token service and keys', async () => {
    const r = await runCli(['keys', 'rotate-signing', ...cfg]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /key_not_found/, 'no keys before the gateway first started');
  });
});
