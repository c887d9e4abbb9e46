import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type JwksServer, signToken, startJwksServer, testKey } from '../support/jwks-server.ts';
import { ACME_CONTRACT, PETS_AUDIENCE, startTokenGateway, type TokenGateway } from '../support/tokens.ts';

const IDP = 'https://login.partner.test/';

describe('tokens of an external issuer', () => {
  let t: TokenGateway;
  let idp: JwksServer;
  const first = testKey('k1', 'RS256');
  const second = testKey('k2', 'ES256');

  before(async () => {
    idp = await startJwksServer([first.jwk]);
    t = await startTokenGateway({
      authentication: {
        issuers: {
          partner: {
            issuer: IDP,
            jwksUri: idp.uri,
            algorithms: ['RS256', 'ES256'],
            audiences: { pets: ['api://pets'] },
            jwks: { cacheTtlSeconds: 300, minRefetchIntervalSeconds: 30, staleMaxAgeSeconds: 600 },
          },
        },
      },
      files: {
        'contracts/acme.yaml': {
          ...ACME_CONTRACT,
          credentials: {
            issuers: [{ issuer: 'partner', clients: [{ id: 'acme-billing', application: 'billing' }] }],
          },
        },
        'contracts/globex.yaml': {
          version: 1,
          partner: 'globex',
          grants: [{ api: 'pets', operations: ['listPets'] }],
          credentials: {
            issuers: [
              { issuer: 'partner', claim: { name: 'org', value: 'globex-corp', application: 'portal' } },
            ],
          },
        },
      },
    });
  });
  after(async () => {
    await t.close();
    await idp.close();
  });

  const seconds = () => Math.floor(t.now.value / 1000);
  const claims = (extra: Record<string, unknown> = {}) => ({
    iss: IDP,
    aud: 'api://pets',
    azp: 'acme-billing',
    sub: 'user-42',
    scp: ['pets:read'],
    iat: seconds(),
    exp: seconds() + 600,
    ...extra,
  });

  test('identify their partner by client id, keeping the end user and delegation apart', async () => {
    const token = await signToken(first, claims({ act: { sub: 'batch-job', act: { sub: 'scheduler' } } }));
    const r = await t.call('/pets', `Bearer ${token}`);
    assert.equal(r.status, 200);
    const seen = t.upstream.requests.at(-1)!.headers;
    assert.deepEqual(
      [seen['x-portcullis-partner'], seen['x-portcullis-application'], seen['x-portcullis-user']],
      ['acme', 'billing', 'user-42'],
    );
    const line = JSON.parse(t.logs.find((l) => l.includes(r.headers.get('x-request-id')!))!);
    assert.equal(line.user, 'user-42');
    assert.deepEqual(line.actors, ['batch-job', 'scheduler']);
  });

  test('pass the end user upstream percent-encoded, whatever characters it holds', async () => {
    const token = await signToken(first, claims({ sub: 'Zoë Smith\r\nx-evil: 1' }));
    assert.equal((await t.call('/pets', `Bearer ${token}`)).status, 200);
    const seen = t.upstream.requests.at(-1)!.headers;
    assert.equal(seen['x-portcullis-user'], 'Zo%C3%AB%20Smith%0D%0Ax-evil%3A%201');
    assert.equal(seen['x-evil'], undefined);
  });

  test('identify their partner by a claim, and carry the scopes the token names', async () => {
    const token = await signToken(
      first,
      claims({ azp: 'portal-client', org: 'globex-corp', scp: undefined }),
    );
    assert.equal((await t.call('/pets', `Bearer ${token}`)).status, 200);
    assert.equal(t.upstream.requests.at(-1)!.headers['x-portcullis-partner'], 'globex');
    const stranger = await signToken(first, claims({ azp: 'unknown-app', org: 'initech' }));
    const r = await t.call('/pets', `Bearer ${stranger}`);
    assert.deepEqual([r.status, r.body.code, r.reached], [401, 'credential_invalid', false]);
  });

  test('use the audience configured for the issuer, not the API default', async () => {
    const r = await t.call('/pets', `Bearer ${await signToken(first, claims({ aud: PETS_AUDIENCE }))}`);
    assert.deepEqual([r.status, r.reached], [401, false]);
  });

  test('scopes from the token limit what the partner may do', async () => {
    const r = await t.call('/pets', `Bearer ${await signToken(first, claims())}`, 'POST');
    assert.deepEqual([r.status, r.body.code, r.reached], [403, 'insufficient_scope', false]);
  });

  test('the key set is cached: many tokens, one fetch per TTL', async () => {
    const before = idp.hits;
    for (let i = 0; i < 5; i++) {
      assert.equal(
        (await t.call('/pets', `Bearer ${await signToken(first, claims({ jti: `j${i}` }))}`)).status,
        200,
      );
    }
    assert.equal(idp.hits, before);
    t.now.value += 301_000;
    assert.equal(
      (await t.call('/pets', `Bearer ${await signToken(first, claims({ jti: 'after-ttl' }))}`)).status,
      200,
    );
    assert.equal(idp.hits, before + 1);
  });

  test('a new key at the issuer is picked up on first sight of its kid', async () => {
    idp.keys = [first.jwk, second.jwk];
    t.now.value += 31_000;
    const before = idp.hits;
    assert.equal((await t.call('/pets', `Bearer ${await signToken(second, claims())}`)).status, 200);
    assert.equal(idp.hits, before + 1);
  });

  test('a reload keeps the keys: no refetch, and they serve while the endpoint is down', async () => {
    assert.equal((await t.call('/pets', `Bearer ${await signToken(second, claims())}`)).status, 200);
    const hits = idp.hits;
    idp.failing = true;
    try {
      t.config.write({
        'contracts/globex.yaml': {
          version: 1,
          partner: 'globex',
          grants: [{ api: 'pets', operations: ['listPets', 'getPet'] }],
          credentials: {
            issuers: [
              { issuer: 'partner', claim: { name: 'org', value: 'globex-corp', application: 'portal' } },
            ],
          },
        },
      });
      const reloaded = await t.gateway.reload();
      assert.ok(reloaded.ok && reloaded.changed);
      const token = await signToken(second, claims({ jti: 'after-reload' }));
      assert.equal((await t.call('/pets', `Bearer ${token}`)).status, 200);
      assert.equal(idp.hits, hits, 'the new plan fetched nothing');
    } finally {
      idp.failing = false;
    }
  });

  test('a failing JWKS endpoint: last good keys serve for the stale bound, then 503', async () => {
    const cached = await signToken(second, claims({ exp: seconds() + 3000, jti: 'used-before' }));
    assert.equal((await t.call('/pets', `Bearer ${cached}`)).status, 200);
    idp.failing = true;
    t.now.value += 301_000;
    const token = () => signToken(second, claims({ jti: String(t.now.value) }));
    assert.equal((await t.call('/pets', `Bearer ${await token()}`)).status, 200, 'stale keys serve');
    t.now.value += 300_000;
    assert.equal(
      (await t.call('/pets', `Bearer ${await token()}`)).status,
      200,
      'still within the stale bound',
    );
    t.now.value += 301_000;
    const r = await t.call('/pets', `Bearer ${await token()}`);
    assert.deepEqual([r.status, r.body.code, r.reached], [503, 'issuer_unavailable', false]);
    assert.equal(r.headers.get('retry-after'), '30');
    const again = await t.call('/pets', `Bearer ${cached}`);
    assert.deepEqual(
      [again.status, again.body.code],
      [503, 'issuer_unavailable'],
      'a token verified before waits too',
    );
    assert.ok(t.logs.some((l) => l.includes("fetching an issuer's JWKS failed")));
    idp.failing = false;
    t.now.value += 31_000;
    assert.equal(
      (await t.call('/pets', `Bearer ${await token()}`)).status,
      200,
      'recovers once the endpoint does',
    );
  });

  test('a key removed at the issuer stops its tokens, even cached ones, after the next fetch', async () => {
    const token = await signToken(first, claims({ jti: 'cached' }));
    assert.equal((await t.call('/pets', `Bearer ${token}`)).status, 200);
    idp.keys = [second.jwk];
    t.now.value += 301_000;
    await t.call('/pets', `Bearer ${await signToken(second, claims({ jti: 'refresh' }))}`);
    const r = await t.call('/pets', `Bearer ${token}`);
    assert.deepEqual([r.status, r.reached], [401, false]);
  });
});
