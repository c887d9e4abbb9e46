import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import {
  ISSUER,
  ORDERS_AUDIENCE,
  PETS_AUDIENCE,
  startTokenGateway,
  type TokenGateway,
} from '../support/tokens.ts';

describe('the token service: client credentials', () => {
  let t: TokenGateway;
  before(async () => {
    t = await startTokenGateway();
  });
  after(() => t.close());

  test('issues an RFC 9068 access token that the gateway accepts for its API', async () => {
    const r = await t.post('/oauth2/token', { grant_type: 'client_credentials', resource: PETS_AUDIENCE });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    assert.deepEqual(
      [r.body.token_type, r.body.expires_in, r.body.scope],
      ['Bearer', 300, 'pets:read pets:write'],
    );
    const token = r.body.access_token as string;
    const header = decodeProtectedHeader(token);
    assert.equal(header.typ, 'at+jwt');
    assert.equal(header.alg, 'ES256');
    const claims = decodeJwt(token);
    assert.equal(claims.iss, ISSUER);
    assert.equal(claims.aud, PETS_AUDIENCE);
    assert.equal(claims.sub, t.client.record.id);
    assert.equal(claims.client_id, t.client.record.id);
    assert.equal(claims.exp! - claims.iat!, 300);
    assert.match(String(claims.jti), /^[0-9a-f-]{36}$/);

    const call = await t.call('/pets', `Bearer ${token}`);
    assert.equal(call.status, 200);
    assert.equal(t.upstream.requests.at(-1)!.headers['x-portcullis-partner'], 'acme');
    assert.equal(t.upstream.requests.at(-1)!.headers.authorization, undefined);
  });

  test('accepts the secret in the form (client_secret_post) too', async () => {
    const r = await t.post(
      '/oauth2/token',
      {
        grant_type: 'client_credentials',
        resource: ORDERS_AUDIENCE,
        client_id: t.client.record.id,
        client_secret: t.client.secret,
      },
      null,
    );
    assert.equal(r.status, 200);
    assert.equal(r.body.scope, 'orders:read');
  });

  test('narrows the token to the requested scopes, and the operation then needs them', async () => {
    const token = await t.accessToken({ resource: PETS_AUDIENCE, scope: 'pets:read' });
    assert.equal((await t.call('/pets', `Bearer ${token}`)).status, 200);
    const write = await t.call('/pets', `Bearer ${token}`, 'POST');
    assert.equal(write.status, 403);
    assert.equal(write.body.code, 'insufficient_scope');
    assert.equal(
      write.headers.get('www-authenticate'),
      'Bearer error="insufficient_scope", scope="pets:write"',
    );
    assert.equal(write.reached, false);
  });

  test('refuses a scope the contract does not grant (no escalation)', async () => {
    for (const scope of ['pets:admin', 'pets:read pets:admin', 'orders:read']) {
      const r = await t.post('/oauth2/token', {
        grant_type: 'client_credentials',
        resource: PETS_AUDIENCE,
        scope,
      });
      assert.equal(r.status, 400, scope);
      assert.deepEqual(r.body, {
        error: 'invalid_scope',
        error_description: 'A requested scope is not granted to this client.',
      });
    }
  });

  test('needs a resource when the contract covers several APIs, and refuses one it does not know', async () => {
    const none = await t.post('/oauth2/token', { grant_type: 'client_credentials' });
    assert.equal(none.body.error, 'invalid_target');
    const unknown = await t.post('/oauth2/token', {
      grant_type: 'client_credentials',
      resource: 'https://evil.test/',
    });
    assert.equal(unknown.body.error, 'invalid_target');
    const twice = await fetch(`${t.url}/oauth2/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${t.client.record.id}:${t.client.secret}`).toString('base64')}`,
      },
      body: `grant_type=client_credentials&resource=${PETS_AUDIENCE}&resource=${ORDERS_AUDIENCE}`,
    });
    assert.equal(((await twice.json()) as { error: string }).error, 'invalid_target');
  });

  test('answers RFC 6749 errors for a bad request, not problems', async () => {
    const missing = await t.post('/oauth2/token', {});
    assert.equal(missing.status, 400);
    assert.equal(missing.headers.get('content-type'), 'application/json');
    assert.equal(missing.body.error, 'invalid_request');
    assert.ok(missing.headers.get('x-request-id'));
    assert.equal(
      (await t.post('/oauth2/token', { grant_type: 'password' })).body.error,
      'unsupported_grant_type',
    );
    const json = await fetch(`${t.url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"grant_type":"client_credentials"}',
    });
    assert.equal(((await json.json()) as { error: string }).error, 'invalid_request');
    const twoMethods = await t.post('/oauth2/token', {
      grant_type: 'client_credentials',
      client_id: t.client.record.id,
      client_secret: t.client.secret,
    });
    assert.equal(twoMethods.body.error, 'invalid_request');
  });

  test('refuses a body larger than 16 KiB and closes the connection', async () => {
    const r = await t.post('/oauth2/token', { grant_type: 'client_credentials', pad: 'x'.repeat(20_000) });
    assert.equal(r.status, 400);
    assert.equal(r.body.error, 'invalid_request');
    assert.equal(r.headers.get('connection'), 'close');
  });

  test('refuses a client whose partner contract does not accept tokens', async () => {
    t.config.write({
      'contracts/nota.yaml': { version: 1, partner: 'nota', credentials: { tokens: { accept: false } } },
    });
    await t.gateway.reload();
    const made = t.createClient('nota');
    const r = await t.post(
      '/oauth2/token',
      { grant_type: 'client_credentials' },
      { id: made.record.id, secret: made.secret! },
    );
    assert.equal(r.body.error, 'unauthorized_client');
  });

  test('publishes its keys and its metadata', async () => {
    const jwks = await fetch(`${t.url}/.well-known/jwks.json`);
    assert.equal(jwks.headers.get('content-type'), 'application/jwk-set+json');
    assert.match(jwks.headers.get('cache-control') ?? '', /^public, max-age=\d+$/);
    const { keys } = (await jwks.json()) as { keys: Record<string, unknown>[] };
    assert.equal(keys.length, 2, 'the current key and the next one');
    for (const key of keys) {
      assert.deepEqual([key.kty, key.crv, key.alg, key.use], ['EC', 'P-256', 'ES256', 'sig']);
      assert.equal(key.d, undefined, 'a private key was published');
    }
    const token = await t.accessToken({ resource: PETS_AUDIENCE });
    assert.ok(keys.some((k) => k.kid === decodeProtectedHeader(token).kid));

    const meta = (await (await fetch(`${t.url}/.well-known/oauth-authorization-server`)).json()) as Record<
      string,
      unknown
    >;
    assert.equal(meta.issuer, ISSUER);
    assert.equal(meta.token_endpoint, `${ISSUER}/oauth2/token`);
    assert.equal(meta.jwks_uri, `${ISSUER}/.well-known/jwks.json`);
    assert.equal(meta.introspection_endpoint, `${ISSUER}/oauth2/introspect`);
    assert.equal(meta.revocation_endpoint, `${ISSUER}/oauth2/revoke`);
    assert.deepEqual(meta.grant_types_supported, [
      'client_credentials',
      'urn:ietf:params:oauth:grant-type:token-exchange',
    ]);
    assert.equal(t.upstream.requests.filter((r) => r.url.includes('well-known')).length, 0);
  });
});

describe('the token service: introspection and revocation', () => {
  let t: TokenGateway;
  before(async () => {
    t = await startTokenGateway({
      files: {
        'contracts/other.yaml': {
          version: 1,
          partner: 'other',
          grants: [{ api: 'pets', operations: ['listPets'] }],
        },
      },
    });
  });
  after(() => t.close());

  test('introspection needs an authenticated client', async () => {
    const token = await t.accessToken({ resource: PETS_AUDIENCE });
    const r = await t.post('/oauth2/introspect', { token }, null);
    assert.equal(r.status, 401);
    assert.equal(r.body.error, 'invalid_client');
  });

  test('a client sees its partner’s live token, and learns nothing about others', async () => {
    const token = await t.accessToken({ resource: PETS_AUDIENCE, scope: 'pets:read' });
    const mine = await t.post('/oauth2/introspect', { token });
    assert.equal(mine.status, 200);
    assert.deepEqual(
      [
        mine.body.active,
        mine.body.client_id,
        mine.body.scope,
        mine.body.aud,
        mine.body.iss,
        mine.body.token_type,
      ],
      [true, t.client.record.id, 'pets:read', PETS_AUDIENCE, ISSUER, 'Bearer'],
    );
    const other = t.createClient('other');
    const theirs = await t.post(
      '/oauth2/introspect',
      { token },
      { id: other.record.id, secret: other.secret! },
    );
    assert.deepEqual(theirs.body, { active: false });
    assert.deepEqual((await t.post('/oauth2/introspect', { token: 'not.a.token' })).body, { active: false });
  });

  test('a revoked token is refused from the next request, and introspects inactive', async () => {
    const token = await t.accessToken({ resource: PETS_AUDIENCE });
    const other = t.createClient('other');
    // Another partner cannot revoke it (and is answered the same way).
    const foreign = await t.post('/oauth2/revoke', { token }, { id: other.record.id, secret: other.secret! });
    assert.equal(foreign.status, 200);
    assert.equal((await t.call('/pets', `Bearer ${token}`)).status, 200);

    const revoked = await t.post('/oauth2/revoke', { token, token_type_hint: 'access_token' });
    assert.equal(revoked.status, 200);
    const call = await t.call('/pets', `Bearer ${token}`);
    assert.equal(call.status, 401);
    assert.equal(call.body.code, 'credential_invalid');
    assert.equal(call.headers.get('www-authenticate'), 'Bearer error="invalid_token"');
    assert.equal(call.reached, false);
    assert.deepEqual((await t.post('/oauth2/introspect', { token })).body, { active: false });
    const event = t.stores.audit.recent(20).find((e) => e.action === 'access_token.revoked');
    assert.equal(event?.subject, decodeJwt(token).jti);
    assert.ok(!JSON.stringify(event).includes(token.split('.')[2]!));
    // Revoking an unknown or already revoked token is not an error (RFC 7009 §2.2).
    assert.equal((await t.post('/oauth2/revoke', { token })).status, 200);
    assert.equal((await t.post('/oauth2/revoke', { token: 'garbage' })).status, 200);
  });
});

describe('the token service with EdDSA keys', () => {
  let t: TokenGateway;
  before(async () => {
    t = await startTokenGateway({ tokens: { signing: { algorithm: 'EdDSA' } } });
  });
  after(() => t.close());

  test('signs with Ed25519 and the gateway accepts its tokens', async () => {
    const token = await t.accessToken({ resource: PETS_AUDIENCE });
    assert.equal(decodeProtectedHeader(token).alg, 'EdDSA');
    const { keys } = (await (await fetch(`${t.url}/.well-known/jwks.json`)).json()) as {
      keys: Record<string, unknown>[];
    };
    assert.ok(keys.every((k) => k.kty === 'OKP' && k.crv === 'Ed25519'));
    assert.equal((await t.call('/pets', `Bearer ${token}`)).status, 200);
  });

  test('a bearer token and an API key at once are refused, not picked between', async () => {
    const token = await t.accessToken({ resource: PETS_AUDIENCE });
    const before = t.upstream.requests.length;
    const res = await fetch(`${t.url}/pets`, {
      headers: { authorization: `Bearer ${token}`, 'x-api-key': t.key },
    });
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as { code: string }).code, 'credential_invalid');
    assert.equal(res.headers.get('www-authenticate'), 'ApiKey header="x-api-key", Bearer realm="portcullis"');
    assert.equal(t.upstream.requests.length, before);
  });
});
