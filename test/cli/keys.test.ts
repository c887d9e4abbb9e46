import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { openStores } from '../../src/store/open.ts';
import { runCli } from '../support/cli.ts';
import { contractFile, gatewayFile, PETS_OPENAPI, tempConfigDir } from '../support/config.ts';

describe('portcullis keys', () => {
  const config = tempConfigDir({
    'portcullis.yaml': gatewayFile({ upstreamUrl: 'http://127.0.0.1:9' }),
    'apis/pets.yaml': PETS_OPENAPI,
    'contracts/acme.yaml': contractFile('acme', ['listPets']),
  });
  after(() => config.remove());
  const cfg = ['--config', config.dir];

  test('issues a key shown once and stores only its hash', async () => {
    const r = await runCli([
      'keys',
      'issue',
      '--partner',
      'acme',
      '--app',
      'billing',
      '--label',
      'ci',
      ...cfg,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const key = /ptc_[a-z2-7]{12}_[A-Za-z0-9_-]{43}/.exec(r.stdout)![0];
    const stores = openStores({ kind: 'sqlite', path: 'data/portcullis.db' }, config.dir);
    try {
      const [record] = stores.apiKeys.list({ partner: 'acme' });
      assert.equal(record?.application, 'billing');
      assert.ok(!JSON.stringify(record).includes(key.slice(17)));
    } finally {
      await stores.close();
    }
  });

  test('lists keys without secrets, and revokes them', async () => {
    const issued = await runCli(['keys', 'issue', '--partner', 'acme', '--expires-in', '1d', ...cfg]);
    const id = /id: ([a-z2-7]{12})/.exec(issued.stdout)![1]!;
    const listed = JSON.parse((await runCli(['keys', 'list', '--json', ...cfg])).stdout) as {
      id: string;
      status: string;
      expires: string | null;
    }[];
    const entry = listed.find((k) => k.id === id);
    assert.equal(entry?.status, 'active');
    assert.ok(entry?.expires !== null);
    assert.equal((await runCli(['keys', 'revoke', id, ...cfg])).code, 0);
    const table = (await runCli(['keys', 'list', '--partner', 'acme', ...cfg])).stdout;
    assert.match(table, new RegExp(`^${id}\\s+acme\\s+default\\s+revoked`, 'm'));
    assert.ok(!table.includes('ptc_'));
  });

  test('audits every issue and revocation without the key', async () => {
    const issued = await runCli(['keys', 'issue', '--partner', 'acme', ...cfg]);
    const id = /id: ([a-z2-7]{12})/.exec(issued.stdout)![1]!;
    await runCli(['keys', 'revoke', id, ...cfg]);
    const stores = openStores({ kind: 'sqlite', path: 'data/portcullis.db' }, config.dir);
    try {
      const events = stores.audit.recent(2);
      assert.deepEqual(
        events.map((e) => [e.kind, e.action, e.partner, e.subject]),
        [
          ['credential', 'api_key.issued', 'acme', id],
          ['credential', 'api_key.revoked', 'acme', id],
        ],
      );
      assert.match(events[0]!.actor, /^cli/);
      assert.ok(!JSON.stringify(events).includes('ptc_'));
    } finally {
      await stores.close();
    }
  });

  test('refuses an unknown partner, a second revocation and a bad duration', async () => {
    const unknown = await runCli(['keys', 'issue', '--partner', 'nobody', ...cfg]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /partner_unknown/);
    const missing = await runCli(['keys', 'revoke', 'aaaaaaaaaaaa', ...cfg]);
    assert.match(missing.stderr, /key_not_found/);
    assert.equal(
      (await runCli(['keys', 'issue', '--partner', 'acme', '--expires-in', 'soon', ...cfg])).code,
      2,
    );
  });

  test('prints a declared key for configuration as code without storing it', async () => {
    const before = JSON.parse((await runCli(['keys', 'list', '--json', ...cfg])).stdout).length;
    const r = await runCli(['keys', 'issue', '--partner', 'acme', '--declare', ...cfg]);
    assert.match(r.stdout, /- id: [a-z2-7]{12}\n {4}sha256: [0-9a-f]{64}\n {4}application: default/);
    assert.equal(JSON.parse((await runCli(['keys', 'list', '--json', ...cfg])).stdout).length, before);
  });
});
