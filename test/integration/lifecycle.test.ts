import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { generateApiKey } from '../../src/services/keys/format.ts';
import { spawnCli } from '../support/child.ts';
import { tempConfigDir } from '../support/config.ts';
import { ACME_CONTRACT, PETS_AUDIENCE, startTokenGateway, type TokenGateway } from '../support/tokens.ts';

const run = promisify(execFile);
const CLI = new URL('../../src/cli/main.ts', import.meta.url).pathname;

describe('revocation and partner lifecycle, from other processes', () => {
  let t: TokenGateway;
  const declared = generateApiKey();
  before(async () => {
    t = await startTokenGateway({
      files: {
        'contracts/acme.yaml': {
          ...ACME_CONTRACT,
          credentials: { apiKeys: { declared: [{ id: declared.id, sha256: declared.sha256 }] } },
        },
      },
    });
  });
  after(() => t.close());

  const cli = (...args: string[]) => run(process.execPath, [CLI, ...args, '--config', t.config.dir]);
  const withKey = (key: string) => fetch(`${t.url}/pets`, { headers: { 'x-api-key': key } });

  test('a suspended partner is refused with every credential from the next request, until resumed', async () => {
    const token = await t.accessToken({ resource: PETS_AUDIENCE });
    assert.equal((await t.call('/pets', `Bearer ${token}`)).status, 200);
    const { stdout } = await cli('partners', 'suspend', 'acme', '--reason', 'unpaid invoice');
    assert.match(stdout, /suspended/);

    for (const r of [await t.call('/pets', `Bearer ${token}`), await t.call('/pets', `ApiKey ${t.key}`)]) {
      assert.deepEqual([r.status, r.body.code, r.reached], [403, 'partner_suspended', false]);
    }
    assert.equal((await withKey(declared.key)).status, 403);
    assert.equal(
      (await t.post('/oauth2/token', { grant_type: 'client_credentials', resource: PETS_AUDIENCE })).body
        .error,
      'invalid_client',
    );

    await cli('partners', 'resume', 'acme');
    assert.equal((await t.call('/pets', `Bearer ${token}`)).status, 200);
    assert.equal((await withKey(t.key)).status, 200);
    const actions = t.stores.audit.recent(20).map((e) => e.action);
    assert.ok(actions.includes('partner.suspended') && actions.includes('partner.resumed'));
  });

  test('a client revoked from another process loses its live tokens on the next request', async () => {
    const doomed = t.createClient('acme');
    const form = { grant_type: 'client_credentials', resource: PETS_AUDIENCE };
    const creds = { id: doomed.record.id, secret: doomed.secret! };
    const token = (await t.post('/oauth2/token', form, creds)).body.access_token as string;
    const survivor = await t.accessToken(form);
    assert.equal((await t.call('/pets', `Bearer ${token}`)).status, 200);

    await cli('clients', 'revoke', doomed.record.id);
    const r = await t.call('/pets', `Bearer ${token}`);
    assert.deepEqual([r.status, r.body.code, r.reached], [401, 'credential_invalid', false]);
    assert.equal((await t.post('/oauth2/token', form, creds)).body.error, 'invalid_client');
    assert.equal((await t.call('/pets', `Bearer ${survivor}`)).status, 200, 'other clients are not affected');
  });

  test('a token revoked through a second gateway process is refused by the first on its next request', async () => {
    // A second gateway on the same store (and master key), as one process per core would be.
    const second = tempConfigDir();
    cpSync(t.config.dir, second.dir, { recursive: true, filter: (src) => !src.includes('/data') });
    const file = join(second.dir, 'portcullis.yaml');
    const config = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    config.logging = { level: 'info' };
    config.store = { kind: 'sqlite', path: join(t.config.dir, 'data/portcullis.db') };
    writeFileSync(file, stringify(config));
    const other = spawnCli(['start', '--config', second.dir]);
    try {
      const listening = await other.waitForLog((l) => l.msg === 'gateway listening');
      const url = listening.url as string;
      const token = await t.accessToken({ resource: PETS_AUDIENCE });
      const elsewhere = await fetch(`${url}/pets`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(elsewhere.status, 200, 'the second process verifies the first one’s tokens');

      assert.equal((await t.call('/pets', `Bearer ${token}`)).status, 200);
      const revoke = await fetch(`${url}/oauth2/revoke`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${t.client.record.id}:${t.client.secret}`).toString('base64')}`,
        },
        body: new URLSearchParams({ token }),
      });
      assert.equal(revoke.status, 200);
      const r = await t.call('/pets', `Bearer ${token}`);
      assert.deepEqual([r.status, r.reached], [401, false]);
    } finally {
      await other.stop();
      second.remove();
    }
  });

  test('decommissioning revokes every credential and live token, and is final', async () => {
    const token = await t.accessToken({ resource: PETS_AUDIENCE });
    const stored = t.issueKey('acme');
    assert.equal((await withKey(stored)).status, 200);

    await assert.rejects(cli('partners', 'decommission', 'acme'), /--yes/);
    const { stdout } = await cli('partners', 'decommission', 'acme', '--yes');
    assert.match(stdout, /revoked \d+ API key\(s\) and \d+ client\(s\)/);

    for (const r of [await t.call('/pets', `Bearer ${token}`), await t.call('/pets', `ApiKey ${stored}`)]) {
      assert.deepEqual([r.status, r.body.code, r.reached], [401, 'credential_invalid', false]);
    }
    assert.equal((await withKey(declared.key)).status, 401);
    assert.ok(t.stores.apiKeys.list({ partner: 'acme' }).every((k) => k.revokedAt !== undefined));
    assert.ok(t.stores.clients.list({ partner: 'acme' }).every((c) => c.revokedAt !== undefined));
    await assert.rejects(cli('partners', 'resume', 'acme'), /partner_state/);
    await assert.rejects(cli('clients', 'create', '--partner', 'acme'), /partner_state/);
    const events = t.stores.audit.recent(10).map((e) => e.action);
    assert.ok(events.includes('partner.decommissioned') && events.includes('partner.credentials_revoked'));
  });
});
