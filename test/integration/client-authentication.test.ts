import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { SignJWT } from 'jose';
import { testKey } from '../support/jwks-server.ts';
import { ISSUER, PETS_AUDIENCE, startTokenGateway, type TokenGateway } from '../support/tokens.ts';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

describe('client authentication at the token endpoint', () => {
  let t: TokenGateway;
  const key = testKey('client-key-1', 'ES256');
  let jwtClient: string;
  before(async () => {
    t = await startTokenGateway();
    jwtClient = t.createClient('acme', { keys: [key.jwk], application: 'signer' }).record.id;
  });
  after(() => t.close());

  interface AssertionOptions {
    readonly aud?: string | string[];
    readonly jti?: string | null;
    readonly lifetime?: number;
  }
  const assertion = (
    { aud = ISSUER, jti = randomUUID(), lifetime = 60 }: AssertionOptions = {},
    signer = key,
  ) =>
    new SignJWT(jti === null ? {} : { jti })
      .setProtectedHeader({ alg: signer.alg, kid: signer.kid })
      .setIssuer(jwtClient)
      .setSubject(jwtClient)
      .setAudience(aud)
      .setIssuedAt(Math.floor(t.now.value / 1000))
      .setExpirationTime(Math.floor(t.now.value / 1000) + lifetime)
      .sign(signer.privateKey);

  const withAssertion = (jwt: string) =>
    t.post(
      '/oauth2/token',
      {
        grant_type: 'client_credentials',
        resource: PETS_AUDIENCE,
        client_assertion_type: ASSERTION_TYPE,
        client_assertion: jwt,
      },
      null,
    );

  const failures = () =>
    t.stores.audit.recent(500).filter((e) => e.action === 'client.authentication_failed');

  test('private_key_jwt: a signed assertion for the issuer or the token endpoint is accepted', async () => {
    const r = await withAssertion(await assertion());
    assert.equal(r.status, 200);
    const call = await t.call('/pets', `Bearer ${r.body.access_token}`);
    assert.equal(call.status, 200);
    const endpointAudience = await withAssertion(await assertion({ aud: `${ISSUER}/oauth2/token` }));
    assert.equal(endpointAudience.status, 200);
  });

  test('private_key_jwt: a replayed assertion is refused, and audited', async () => {
    const jwt = await assertion();
    assert.equal((await withAssertion(jwt)).status, 200);
    const before = failures().length;
    const replay = await withAssertion(jwt);
    assert.equal(replay.status, 401);
    assert.equal(replay.body.error, 'invalid_client');
    assert.equal(failures().length, before + 1);
    assert.equal(failures().at(-1)?.subject, jwtClient);
  });

  test('private_key_jwt: an assertion for another audience is refused', async () => {
    for (const aud of ['https://other.test', `${ISSUER}/oauth2/introspect`, ['https://other.test']]) {
      const r = await withAssertion(await assertion({ aud }));
      assert.equal(r.status, 401, String(aud));
      assert.equal(r.body.error, 'invalid_client');
    }
  });

  test('private_key_jwt: unregistered keys, long lives and missing jti are refused', async () => {
    const stranger = testKey('client-key-1', 'ES256');
    assert.equal((await withAssertion(await assertion({}, stranger))).body.error, 'invalid_client');
    assert.equal((await withAssertion(await assertion({ lifetime: 86_400 }))).body.error, 'invalid_client');
    assert.equal((await withAssertion(await assertion({ jti: null }))).body.error, 'invalid_client');
    assert.equal((await withAssertion(await assertion({ lifetime: -120 }))).body.error, 'invalid_client');
  });

  test('client secret brute force: every guess is refused the same way, compared in constant time, and audited', async () => {
    const id = t.client.record.id;
    const before = failures().length;
    const answers = new Set<string>();
    for (let i = 0; i < 25; i++) {
      const guess = `pcs_${Buffer.from(randomUUID()).toString('base64url').slice(0, 43)}`;
      const r = await t.post(
        '/oauth2/token',
        { grant_type: 'client_credentials', resource: PETS_AUDIENCE },
        { id, secret: guess },
      );
      assert.equal(r.status, 401);
      assert.equal(r.headers.get('www-authenticate'), 'Basic realm="portcullis"');
      answers.add(JSON.stringify(r.body));
    }
    // An unknown client id gets exactly the same answer: no oracle for valid ids.
    const unknown = await t.post(
      '/oauth2/token',
      { grant_type: 'client_credentials' },
      { id: 'pcl_aaaaaaaaaaaaaaaa', secret: 'x' },
    );
    answers.add(JSON.stringify(unknown.body));
    assert.deepEqual(
      [...answers],
      [JSON.stringify({ error: 'invalid_client', error_description: 'Client authentication failed.' })],
    );

    const audited = failures().slice(before);
    assert.equal(audited.length, 26);
    assert.ok(
      audited
        .slice(0, 25)
        .every((e) => e.subject === id && e.partner === 'acme' && e.details?.reason === 'wrong secret'),
    );
    assert.ok(audited.every((e) => e.decisionId !== undefined));
    assert.ok(!JSON.stringify(audited).includes('pcs_'), 'a guessed secret reached the audit trail');
    assert.ok(!t.logs.some((l) => l.includes(t.client.secret)), 'the secret reached the logs');
    // The right secret still works: guessing locks nobody out (rate limits are the limits stage's job).
    assert.equal(
      (await t.post('/oauth2/token', { grant_type: 'client_credentials', resource: PETS_AUDIENCE })).status,
      200,
    );
  });

  test('a rotated secret: the old one stops at once, unless an overlap was asked for', async () => {
    const made = t.createClient('acme');
    const id = made.record.id;
    const form = { grant_type: 'client_credentials', resource: PETS_AUDIENCE };
    const first = t.clients.rotateSecret(id).secret!;
    assert.equal((await t.post('/oauth2/token', form, { id, secret: made.secret! })).status, 401);
    assert.equal((await t.post('/oauth2/token', form, { id, secret: first })).status, 200);
    const second = t.clients.rotateSecret(id, 3_600_000).secret!;
    assert.equal((await t.post('/oauth2/token', form, { id, secret: first })).status, 200);
    assert.equal((await t.post('/oauth2/token', form, { id, secret: second })).status, 200);
    t.now.value += 3_600_001;
    assert.equal((await t.post('/oauth2/token', form, { id, secret: first })).status, 401);
    assert.equal((await t.post('/oauth2/token', form, { id, secret: second })).status, 200);
  });
});
