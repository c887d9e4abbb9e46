import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { apiKeyId, generateApiKey } from '../../src/services/keys/format.ts';
import { contractFile } from '../support/config.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';

const run = promisify(execFile);
const CLI = new URL('../../src/cli/main.ts', import.meta.url).pathname;

describe('API key authentication', () => {
  let t: TestGateway;
  let now = Date.now();
  const declared = generateApiKey();
  const refusedPartnerKey = generateApiKey();
  before(async () => {
    t = await startTestGateway({
      clock: { now: () => now },
      files: {
        'contracts/declared.yaml': contractFile('declared', ['listPets'], {
          credentials: {
            apiKeys: { declared: [{ id: declared.id, sha256: declared.sha256, application: 'ci' }] },
          },
        }),
        'contracts/nokeys.yaml': contractFile('nokeys', ['listPets'], {
          credentials: {
            apiKeys: {
              accept: false,
              declared: [{ id: refusedPartnerKey.id, sha256: refusedPartnerKey.sha256 }],
            },
          },
        }),
      },
    });
  });
  after(() => t.close());

  async function call(headers: Record<string, string>, path = '/pets') {
    const before = t.upstream.requests.length;
    const res = await fetch(`${t.url}${path}`, { headers });
    const body = (await res.json()) as { code?: string };
    return {
      status: res.status,
      code: body.code,
      challenge: res.headers.get('www-authenticate'),
      reached: t.upstream.requests.length > before,
    };
  }

  async function denied(headers: Record<string, string>, code: string) {
    const r = await call(headers);
    assert.equal(r.status, 401);
    assert.equal(r.code, code);
    assert.equal(r.challenge, 'ApiKey header="x-api-key"');
    assert.equal(r.reached, false, 'the upstream received a denied request');
  }

  test('a request without a credential is a 401 with a challenge', () => denied({}, 'credential_missing'));

  test('a malformed key is refused', () => denied({ 'x-api-key': 'hunter2' }, 'credential_invalid'));

  test('an unknown key of the right shape is refused', () =>
    denied({ 'x-api-key': generateApiKey().key }, 'credential_invalid'));

  test('a known key id with a wrong secret is refused', async () => {
    const forged = `${t.key.slice(0, 17)}${generateApiKey().key.slice(17)}`;
    assert.equal(apiKeyId(forged), apiKeyId(t.key));
    await denied({ 'x-api-key': forged }, 'credential_invalid');
  });

  test('two credentials at once are refused', () =>
    denied({ 'x-api-key': t.key, authorization: `ApiKey ${t.key}` }, 'credential_invalid'));

  test('a key declared in the contract authenticates its partner and application', async () => {
    const r = await call({ 'x-api-key': declared.key });
    assert.equal(r.status, 200);
    assert.equal(t.upstream.requests.at(-1)!.headers['x-portcullis-partner'], 'declared');
    assert.equal(t.upstream.requests.at(-1)!.headers['x-portcullis-application'], 'ci');
  });

  test('a key of a partner whose contract refuses API keys is refused', () =>
    denied({ 'x-api-key': refusedPartnerKey.key }, 'credential_invalid'));

  test('a key of a partner with no contract is refused', async () => {
    await denied({ 'x-api-key': t.issueKey('ghost') }, 'credential_invalid');
  });

  test('an expired key is refused from its expiry on', async () => {
    const key = t.issueKey('acme', { ttlMs: 60_000 });
    assert.equal((await call({ 'x-api-key': key })).status, 200);
    now += 60_000;
    await denied({ 'x-api-key': key }, 'credential_invalid');
  });

  test('a key revoked from another process stops working on the next request', async () => {
    const key = t.issueKey('acme');
    assert.equal((await call({ 'x-api-key': key })).status, 200);
    const { stdout } = await run(process.execPath, [
      CLI,
      'keys',
      'revoke',
      apiKeyId(key)!,
      '--config',
      t.config.dir,
    ]);
    assert.match(stdout, /revoked/);
    await denied({ 'x-api-key': key }, 'credential_invalid');
    // Other keys of the same partner keep working: rotation has an overlap.
    assert.equal((await call({ 'x-api-key': t.key })).status, 200);
  });

  test('the log names the reason of a denial but never the key', async () => {
    await call({ 'x-api-key': t.key.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) });
    const line = t.logs.find((l) => l.includes('wrong secret'));
    assert.ok(line !== undefined, 'no log line gives the reason');
    const secret = t.key.slice(17);
    assert.ok(
      t.logs.every((l) => !l.includes(secret)),
      'a key secret was logged',
    );
  });
});

describe('authorisation by contract', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway();
  });
  after(() => t.close());

  test('an operation the contract does not grant is a 403 and never reaches the upstream', async () => {
    const res = await fetch(`${t.url}/pets/1`, { method: 'DELETE', headers: { 'x-api-key': t.key } });
    assert.equal(res.status, 403);
    assert.equal(((await res.json()) as { code: string }).code, 'operation_not_granted');
    assert.equal(t.upstream.requests.length, 0);
  });

  test('a granted operation on the same path is served', async () => {
    const res = await fetch(`${t.url}/pets/1`, { headers: { 'x-api-key': t.key } });
    assert.equal(res.status, 200);
  });
});
