import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import { ORDERS_AUDIENCE, PETS_AUDIENCE, startTokenGateway, type TokenGateway } from '../support/tokens.ts';

const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';

describe('token exchange (RFC 8693)', () => {
  let t: TokenGateway;
  let service: { id: string; secret: string };
  let relay: { id: string; secret: string };

  before(async () => {
    t = await startTokenGateway({
      files: {
        // A service behind the pets API that calls the orders API on the caller's behalf.
        'contracts/pets-service.yaml': {
          version: 1,
          partner: 'pets-service',
          grants: [{ api: 'orders', operations: ['listOrders'], scopes: ['orders:read'] }],
          credentials: { tokens: { exchanges: [{ from: 'pets', to: 'orders' }] } },
        },
        // A second hop: from orders back to pets, read only.
        'contracts/relay.yaml': {
          version: 1,
          partner: 'relay',
          grants: [
            { api: 'pets', operations: ['listPets', 'createPet'], scopes: ['pets:read', 'pets:write'] },
          ],
          credentials: { tokens: { exchanges: [{ from: 'orders', to: 'pets', scopes: ['pets:read'] }] } },
        },
      },
    });
    const made = t.createClient('pets-service', { application: 'backend' });
    service = { id: made.record.id, secret: made.secret! };
    const second = t.createClient('relay');
    relay = { id: second.record.id, secret: second.secret! };
  });
  after(() => t.close());

  const exchange = (
    subject: string,
    as: { id: string; secret: string },
    extra: Record<string, string> = {},
  ) =>
    t.post(
      '/oauth2/token',
      {
        grant_type: EXCHANGE,
        subject_token: subject,
        subject_token_type: ACCESS_TOKEN,
        resource: ORDERS_AUDIENCE,
        ...extra,
      },
      as,
    );

  test('trades a token for API A for a narrower one for API B, naming the actor', async () => {
    const subject = await t.accessToken({ resource: PETS_AUDIENCE, scope: 'pets:read' });
    const r = await exchange(subject, service);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.issued_token_type, ACCESS_TOKEN);
    assert.equal(r.body.scope, 'orders:read');
    const claims = decodeJwt(r.body.access_token as string);
    const original = decodeJwt(subject);
    assert.equal(claims.aud, ORDERS_AUDIENCE);
    assert.equal(claims.sub, original.sub, 'the subject is kept');
    assert.equal(claims.client_id, service.id);
    assert.deepEqual(claims.act, { sub: service.id });
    assert.ok(claims.exp! <= original.exp!, 'the new token outlives the old one');

    const call = await t.call('/orders', `Bearer ${r.body.access_token}`);
    assert.equal(call.status, 200);
    assert.equal(t.upstream.requests.at(-1)!.headers['x-portcullis-partner'], 'pets-service');
    const line = JSON.parse(t.logs.find((l) => l.includes(call.headers.get('x-request-id')!))!);
    assert.equal(line.user, t.client.record.id, 'the original caller is the subject');
    assert.deepEqual(line.actors, [service.id]);
    // The exchanged token is for orders only.
    const pets = await t.call('/pets', `Bearer ${r.body.access_token}`);
    assert.deepEqual([pets.status, pets.reached], [401, false]);
  });

  test('a second hop nests the earlier actor (RFC 8693 §4.1)', async () => {
    const hop1 = (await exchange(await t.accessToken({ resource: PETS_AUDIENCE }), service)).body
      .access_token as string;
    const hop2 = await exchange(hop1, relay, { resource: PETS_AUDIENCE });
    assert.equal(hop2.status, 200, JSON.stringify(hop2.body));
    assert.deepEqual(decodeJwt(hop2.body.access_token as string).act, {
      sub: relay.id,
      act: { sub: service.id },
    });
    assert.equal(hop2.body.scope, 'pets:read');
  });

  test('refuses an exchange the contract does not allow', async () => {
    const subject = await t.accessToken({ resource: PETS_AUDIENCE });
    // pets-service may exchange pets → orders only.
    assert.equal(
      (await exchange(subject, service, { resource: PETS_AUDIENCE })).body.error,
      'invalid_target',
    );
    // acme's contract allows no exchange at all.
    assert.equal(
      (await exchange(subject, { id: t.client.record.id, secret: t.client.secret })).body.error,
      'invalid_target',
    );
    // relay may exchange orders → pets, not pets → pets.
    assert.equal((await exchange(subject, relay, { resource: PETS_AUDIENCE })).body.error, 'invalid_target');
  });

  test('refuses scopes beyond the exchange (no escalation by exchange)', async () => {
    const hop1 = (await exchange(await t.accessToken({ resource: PETS_AUDIENCE }), service)).body
      .access_token as string;
    const r = await exchange(hop1, relay, { resource: PETS_AUDIENCE, scope: 'pets:read pets:write' });
    assert.equal(r.body.error, 'invalid_scope');
  });

  test('refuses an invalid, revoked or expired subject token, and actor tokens', async () => {
    assert.equal((await exchange('garbage', service)).body.error, 'invalid_request');
    const revoked = await t.accessToken({ resource: PETS_AUDIENCE });
    await t.post('/oauth2/revoke', { token: revoked });
    assert.equal((await exchange(revoked, service)).body.error, 'invalid_request');
    const subject = await t.accessToken({ resource: PETS_AUDIENCE });
    assert.equal(
      (await exchange(subject, service, { actor_token: subject, actor_token_type: ACCESS_TOKEN })).body.error,
      'invalid_request',
    );
    assert.equal(
      (await exchange(subject, service, { subject_token_type: 'urn:ietf:params:oauth:token-type:saml2' }))
        .body.error,
      'invalid_request',
    );
    t.now.value += 301_000;
    assert.equal((await exchange(subject, service)).body.error, 'invalid_request');
  });
});
