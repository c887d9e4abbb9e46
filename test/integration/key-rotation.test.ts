import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { decodeProtectedHeader, SignJWT } from 'jose';
import { Agent, fetch as undiciFetch } from 'undici';
import { createSealer } from '../../src/services/secrets/envelope.ts';
import { loadMasterKey } from '../../src/services/secrets/master-key.ts';
import { ISSUER, PETS_AUDIENCE, startTokenGateway, type TokenGateway } from '../support/tokens.ts';

const run = promisify(execFile);
const CLI = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const DAY = 86_400_000;

const kidOf = (token: string) => decodeProtectedHeader(token).kid!;

describe('signing key rotation', () => {
  let t: TokenGateway;
  before(async () => {
    t = await startTokenGateway({ tokens: { signing: { rotateAfterDays: 30 } } });
  });
  after(() => t.close());

  const publishedKids = async () =>
    ((await (await fetch(`${t.url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] }).keys.map(
      (k) => k.kid,
    );
  const stateOf = (state: string) => t.stores.signingKeys.list().find((k) => k.state === state)!;

  test('keys are created on first start, sealed at rest', () => {
    const keys = t.stores.signingKeys.list();
    assert.deepEqual(keys.map((k) => k.state).sort(), ['current', 'next']);
    const sealer = createSealer(loadMasterKey(t.gateway.plan.gateway.store, t.config.dir));
    const bytes = Buffer.concat(
      ['portcullis.db', 'portcullis.db-wal'].map((f) => {
        try {
          return readFileSync(join(t.config.dir, 'data', f));
        } catch {
          return Buffer.alloc(0);
        }
      }),
    );
    for (const key of keys) {
      const der = sealer.open(key.sealedPrivateKey, `signing-key:${key.kid}`);
      const jwk = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ format: 'jwk' });
      assert.equal(bytes.indexOf(der.subarray(-32)), -1, 'private key bytes found in the store');
      assert.equal(bytes.indexOf(Buffer.from(jwk.d!)), -1, 'private key JWK found in the store');
    }
  });

  test('rotation on demand under load: no valid token is ever refused', async () => {
    const before = await t.accessToken({ resource: PETS_AUDIENCE });
    const oldKid = kidOf(before);
    const nextKid = stateOf('next').kid;
    assert.ok((await publishedKids()).includes(nextKid), 'the next key is published before it signs');

    const dispatcher = new Agent({ connections: 8 });
    const failures: string[] = [];
    const seenKids = new Set<string>();
    let calls = 0;
    let stop = false;
    const worker = async () => {
      while (!stop) {
        const token = await t.accessToken({ resource: PETS_AUDIENCE });
        seenKids.add(kidOf(token));
        for (const bearer of [token, before]) {
          const res = await undiciFetch(`${t.url}/pets`, {
            headers: { authorization: `Bearer ${bearer}` },
            dispatcher,
          });
          await res.arrayBuffer();
          calls++;
          if (res.status !== 200) failures.push(`${res.status} with key ${kidOf(bearer)}`);
        }
      }
    };
    const workers = Array.from({ length: 4 }, worker);
    const { stdout } = await run(process.execPath, [
      CLI,
      'keys',
      'rotate-signing',
      '--force',
      '--config',
      t.config.dir,
    ]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    stop = true;
    await Promise.all(workers);
    await dispatcher.close();

    assert.match(stdout, new RegExp(`signing with ${nextKid}`));
    assert.deepEqual(failures, [], `${failures.length} of ${calls} calls failed`);
    assert.ok(
      seenKids.has(oldKid) && seenKids.has(nextKid),
      'tokens were signed by both keys during the run',
    );
    assert.equal(kidOf(await t.accessToken({ resource: PETS_AUDIENCE })), nextKid);
    const published = await publishedKids();
    assert.equal(published.length, 3, 'previous, current and a new next key');
    assert.ok(published.includes(oldKid));
    assert.equal(
      (await t.call('/pets', `Bearer ${before}`)).status,
      200,
      'a token of the previous key still works',
    );
  });

  test('the previous key leaves the JWKS once its tokens expired, and a token it signs is refused', async () => {
    const previous = stateOf('previous');
    const sealer = createSealer(loadMasterKey(t.gateway.plan.gateway.store, t.config.dir));
    const oldKey = createPrivateKey({
      key: sealer.open(previous.sealedPrivateKey, `signing-key:${previous.kid}`),
      format: 'der',
      type: 'pkcs8',
    });
    t.now.value = previous.retireAt! + 1;
    assert.ok(!(await publishedKids()).includes(previous.kid));
    const iat = Math.floor(t.now.value / 1000);
    const forged = await new SignJWT({ client_id: t.client.record.id, scope: 'pets:read' })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: previous.kid })
      .setIssuer(ISSUER)
      .setSubject(t.client.record.id)
      .setAudience(PETS_AUDIENCE)
      .setIssuedAt(iat)
      .setExpirationTime(iat + 60)
      .setJti('forged-with-retired-key')
      .sign(oldKey);
    const r = await t.call('/pets', `Bearer ${forged}`);
    assert.deepEqual([r.status, r.body.code, r.reached], [401, 'credential_invalid', false]);
  });

  test('rotates on schedule: the key published as next is the one that signs', async () => {
    const next = stateOf('next').kid;
    const current = stateOf('current').kid;
    assert.equal(kidOf(await t.accessToken({ resource: PETS_AUDIENCE })), current);
    t.now.value += 30 * DAY;
    const token = await t.accessToken({ resource: PETS_AUDIENCE });
    assert.equal(kidOf(token), next);
    assert.equal((await t.call('/pets', `Bearer ${token}`)).status, 200);
    const event = t.stores.audit.recent(20).findLast((e) => e.action === 'signing_key.rotated');
    assert.deepEqual([event?.subject, event?.details?.reason, event?.actor], [next, 'scheduled', 'gateway']);
  });

  test('rotate-signing refuses to promote a key published too recently, unless forced', async () => {
    const refused = await run(process.execPath, [
      CLI,
      'keys',
      'rotate-signing',
      '--config',
      t.config.dir,
    ]).catch((error: { code: number; stderr: string }) => error);
    assert.equal((refused as { code: number }).code, 1);
    assert.match((refused as { stderr: string }).stderr, /key_invalid/);
  });
});
