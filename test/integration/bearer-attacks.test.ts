import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { type JwksServer, signToken, startJwksServer, testKey } from '../support/jwks-server.ts';
import {
  ACME_CONTRACT,
  type Answer,
  ORDERS_AUDIENCE,
  PETS_AUDIENCE,
  startTokenGateway,
  type TokenGateway,
} from '../support/tokens.ts';

const IDP = 'https://idp.test';
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * Attacks on bearer authentication, each through the real HTTP server. Every refusal must
 * be a 401 `credential_invalid` with an RFC 6750 challenge, and the upstream must have
 * received nothing.
 */
describe('bearer token attacks', () => {
  let t: TokenGateway;
  let idp: JwksServer;
  let attacker: JwksServer;
  const idpKey = testKey('idp-1', 'RS256');
  const attackerKey = testKey('idp-1', 'RS256');

  before(async () => {
    idp = await startJwksServer([idpKey.jwk]);
    attacker = await startJwksServer([attackerKey.jwk]);
    t = await startTokenGateway({
      authentication: {
        issuers: { idp: { issuer: IDP, jwksUri: idp.uri, algorithms: ['RS256'] } },
        // Every attack here comes from one address; the throttle has its own tests.
        failureThrottle: { limit: 0 },
      },
      files: {
        'contracts/acme.yaml': {
          ...ACME_CONTRACT,
          credentials: { issuers: [{ issuer: 'idp', clients: [{ id: 'acme-app', application: 'sso' }] }] },
        },
      },
    });
  });
  after(async () => {
    await t.close();
    await idp.close();
    await attacker.close();
  });

  const seconds = () => Math.floor(t.now.value / 1000);
  const idpClaims = (extra: Record<string, unknown> = {}) => ({
    iss: IDP,
    aud: PETS_AUDIENCE,
    client_id: 'acme-app',
    sub: 'alice',
    scope: 'pets:read',
    iat: seconds(),
    exp: seconds() + 300,
    ...extra,
  });

  async function refused(authorization: string, path = '/pets'): Promise<Answer> {
    const r = await t.call(path, authorization);
    assert.equal(r.status, 401, JSON.stringify(r.body));
    assert.equal(r.body.code, 'credential_invalid');
    assert.equal(r.headers.get('www-authenticate'), 'Bearer error="invalid_token"');
    assert.equal(r.reached, false, 'the upstream received a refused request');
    return r;
  }

  test('the legitimate tokens work (the baseline for every attack below)', async () => {
    assert.equal(
      (await t.call('/pets', `Bearer ${await t.accessToken({ resource: PETS_AUDIENCE })}`)).status,
      200,
    );
    assert.equal((await t.call('/pets', `Bearer ${await signToken(idpKey, idpClaims())}`)).status, 200);
  });

  test('alg none is refused', async () => {
    const claims = decodeJwt(await t.accessToken({ resource: PETS_AUDIENCE }));
    await refused(`Bearer ${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(claims)}.`);
    await refused(`Bearer ${b64({ alg: 'none' })}.${b64(idpClaims())}.`);
  });

  test('RS256 to HS256 key confusion (the public key as HMAC secret) is refused', async () => {
    const header = b64({ alg: 'HS256', kid: idpKey.kid, typ: 'JWT' });
    const payload = b64(idpClaims());
    for (const secret of [
      idpKey.publicKey.export({ format: 'pem', type: 'spki' }) as string,
      JSON.stringify(idpKey.jwk),
    ]) {
      const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
      await refused(`Bearer ${header}.${payload}.${signature}`);
    }
  });

  test('kid with path traversal, SQL or a URL is only ever a failed lookup', async () => {
    const before = attacker.hits;
    for (const kid of [
      '../../../../etc/passwd',
      "x' OR '1'='1",
      `${attacker.origin}/jwks`,
      'file:///etc/passwd',
    ]) {
      await refused(`Bearer ${await signToken(attackerKey, idpClaims(), { kid })}`);
      const builtIn = await t.accessToken({ resource: PETS_AUDIENCE });
      const [, payload, signature] = builtIn.split('.');
      await refused(`Bearer ${b64({ alg: 'ES256', typ: 'at+jwt', kid })}.${payload}.${signature}`);
    }
    assert.equal(attacker.hits, before, 'a kid was followed as a URL');
  });

  test('jku, x5u, x5c and embedded jwk headers are never followed', async () => {
    const before = attacker.hits;
    const pem = attackerKey.publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    for (const header of [
      { jku: attacker.uri },
      { x5u: `${attacker.origin}/cert.pem` },
      { jwk: attackerKey.jwk },
      { x5c: [pem] },
    ]) {
      await refused(`Bearer ${await signToken(attackerKey, idpClaims(), header)}`);
      // Even with the real issuer's signature, a token pointing at a key elsewhere is refused.
      await refused(`Bearer ${await signToken(idpKey, idpClaims(), header)}`);
    }
    assert.equal(attacker.hits, before, 'the gateway fetched a key from an attacker URL');
  });

  test('an ECDSA "psychic signature" (r = s = 0) is refused', async () => {
    const [header, payload] = (await t.accessToken({ resource: PETS_AUDIENCE })).split('.');
    await refused(`Bearer ${header}.${payload}.${Buffer.alloc(64).toString('base64url')}`);
    const der = Buffer.from([0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00]).toString('base64url');
    await refused(`Bearer ${header}.${payload}.${der}`);
  });

  test('expired, not yet valid and far-future-iat tokens are refused', async () => {
    await refused(
      `Bearer ${await signToken(idpKey, idpClaims({ iat: seconds() - 900, exp: seconds() - 600 }))}`,
    );
    await refused(`Bearer ${await signToken(idpKey, idpClaims({ nbf: seconds() + 600 }))}`);
    await refused(
      `Bearer ${await signToken(idpKey, idpClaims({ iat: seconds() + 3600, exp: seconds() + 3900 }))}`,
    );
    await refused(`Bearer ${await signToken(idpKey, idpClaims({ exp: seconds() + 7 * 86_400 }))}`);
    const { exp, ...noExp } = idpClaims();
    assert.ok(exp > 0);
    await refused(`Bearer ${await signToken(idpKey, noExp)}`);
  });

  test('a built-in token stops working at its exp, even though it was verified and cached before', async () => {
    const token = await t.accessToken({ resource: PETS_AUDIENCE });
    assert.equal((await t.call('/pets', `Bearer ${token}`)).status, 200);
    const saved = t.now.value;
    t.now.value = decodeJwt(token).exp! * 1000;
    try {
      await refused(`Bearer ${token}`);
    } finally {
      t.now.value = saved;
    }
  });

  test('a wrong iss or aud is refused, and a token for one API is refused by another', async () => {
    await refused(`Bearer ${await signToken(idpKey, idpClaims({ iss: 'https://evil.test' }))}`);
    await refused(`Bearer ${await signToken(idpKey, idpClaims({ aud: 'urn:portcullis:api:admin' }))}`);
    const forOrders = await t.accessToken({ resource: ORDERS_AUDIENCE });
    assert.equal((await t.call('/orders', `Bearer ${forOrders}`)).status, 200);
    await refused(`Bearer ${forOrders}`, '/pets');
  });

  test('a token of another issuer, or of one issuer claiming to be another, is refused', async () => {
    // Signed by the external issuer's key, claiming the built-in issuer.
    await refused(
      `Bearer ${await signToken(idpKey, { ...idpClaims(), iss: 'https://gateway.test', jti: randomUUID() }, { typ: 'at+jwt' })}`,
    );
    // Signed by an unknown party with the real issuers' kids.
    await refused(`Bearer ${await signToken(attackerKey, idpClaims())}`);
    const real = decodeJwt(await t.accessToken({ resource: PETS_AUDIENCE }));
    const kid = (
      JSON.parse(
        Buffer.from(
          (await t.accessToken({ resource: PETS_AUDIENCE })).split('.')[0]!,
          'base64url',
        ).toString(),
      ) as { kid: string }
    ).kid;
    const impostor = testKey(kid, 'ES256');
    await refused(`Bearer ${await signToken(impostor, { ...real, jti: randomUUID() }, { typ: 'at+jwt' })}`);
    // A well-formed built-in token whose client belongs to no contract.
    const ghost = t.createClient('ghost');
    const r = await t.post(
      '/oauth2/token',
      { grant_type: 'client_credentials', resource: PETS_AUDIENCE },
      { id: ghost.record.id, secret: ghost.secret! },
    );
    assert.equal(r.body.error, 'unauthorized_client');
  });

  test('a tampered payload with the original signature is refused', async () => {
    const [header, payload, signature] = (
      await t.accessToken({ resource: PETS_AUDIENCE, scope: 'pets:read' })
    ).split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    await refused(`Bearer ${header}.${b64({ ...claims, scope: 'pets:read pets:write' })}.${signature}`);
    await refused(`Bearer ${header}.${b64({ ...claims, aud: ORDERS_AUDIENCE })}.${signature}`, '/orders');
  });

  test('a revoked token is refused', async () => {
    const token = await t.accessToken({ resource: PETS_AUDIENCE });
    assert.equal((await t.call('/pets', `Bearer ${token}`)).status, 200);
    await t.post('/oauth2/revoke', { token });
    await refused(`Bearer ${token}`);
  });

  test('an oversized or malformed token is refused without being parsed', async () => {
    await refused(`Bearer ${'a'.repeat(9000)}.${'b'.repeat(10)}.c`);
    await refused('Bearer not-a-jwt');
    await refused('Bearer a.b.c');
  });

  test('a flood of unknown kids causes at most one JWKS refetch per interval', async () => {
    const before = idp.hits;
    const flood = await Promise.all(
      Array.from({ length: 50 }, () => signToken(attackerKey, idpClaims(), { kid: randomUUID() })),
    );
    await Promise.all(flood.map((token) => refused(`Bearer ${token}`)));
    assert.ok(idp.hits - before <= 1, `${idp.hits - before} JWKS fetches for 50 unknown kids`);
    t.now.value += 31_000;
    await refused(`Bearer ${await signToken(attackerKey, idpClaims(), { kid: randomUUID() })}`);
    await refused(`Bearer ${await signToken(attackerKey, idpClaims(), { kid: randomUUID() })}`);
    assert.ok(idp.hits - before <= 2, 'a second interval allows one more fetch, no more');
    // The real key keeps working throughout.
    assert.equal((await t.call('/pets', `Bearer ${await signToken(idpKey, idpClaims())}`)).status, 200);
  });

  test('refusals are logged with their reason and never with the token', async () => {
    const token = await signToken(attackerKey, idpClaims(), { jku: attacker.uri });
    await refused(`Bearer ${token}`);
    assert.ok(t.logs.some((l) => l.includes('never followed')));
    const signature = token.split('.')[2]!;
    assert.ok(
      t.logs.every((l) => !l.includes(signature)),
      'a token reached the logs',
    );
  });
});
