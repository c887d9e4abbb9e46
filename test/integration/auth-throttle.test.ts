import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { generateApiKey } from '../../src/services/keys/format.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { startTokenGateway, type TokenGateway } from '../support/tokens.ts';

const THROTTLE = { failureThrottle: { limit: 3, window: '1m' } };

interface Problem {
  readonly code: string;
  readonly decision_id: string;
}

/**
 * A client address that keeps presenting invalid credentials is refused before its next
 * credential is looked at, at the API and at the token endpoint, until its window ends.
 */
describe('throttling failed authentications', () => {
  describe('at the API', () => {
    let t: TestGateway;
    let now = Date.now();
    before(async () => {
      t = await startTestGateway({
        clock: { now: () => now },
        gateway: { extra: { authentication: THROTTLE, trustedProxies: ['127.0.0.0/8'] } },
      });
    });
    after(() => t.close());

    const call = (key: string | undefined, client = '192.0.2.10') =>
      fetch(`${t.url}/pets`, {
        headers: { 'x-forwarded-for': client, ...(key === undefined ? {} : { 'x-api-key': key }) },
      });

    test('after the limit of invalid keys, even a valid key from that address is refused, unverified', async () => {
      for (let i = 0; i < 3; i++) {
        const res = await call(generateApiKey().key);
        assert.equal(res.status, 401);
        await res.arrayBuffer();
      }
      const before = t.upstream.requests.length;
      const res = await call(t.key);
      assert.equal(res.status, 429);
      assert.equal(res.headers.get('content-type'), 'application/problem+json');
      assert.equal(res.headers.get('retry-after'), '60');
      const problem = (await res.json()) as Problem;
      assert.equal(problem.code, 'authentication_throttled');
      assert.match(problem.decision_id, /^[0-9a-f-]{36}$/);
      assert.equal(t.upstream.requests.length, before, 'the upstream received the request');
    });

    test('a request without any credential still learns that one is required', async () => {
      const res = await call(undefined);
      assert.equal(res.status, 401);
      assert.equal(((await res.json()) as Problem).code, 'credential_missing');
    });

    test('another client address is not affected', async () => {
      const res = await call(t.key, '192.0.2.11');
      assert.equal(res.status, 200);
      await res.arrayBuffer();
    });

    test('once the window has ended, the address may authenticate again', async () => {
      now += 60_001;
      const res = await call(t.key);
      assert.equal(res.status, 200);
      await res.arrayBuffer();
    });

    test('the refusals are logged with their reason, never with a key', () => {
      const refusal = t.logs.find((l) => l.includes('"code":"authentication_throttled"'));
      assert.ok(refusal !== undefined);
      assert.match(refusal, /failed authentications from this address/);
      assert.ok(!refusal.includes(t.key));
    });
  });

  describe('at the token endpoint', () => {
    let t: TokenGateway;
    before(async () => {
      t = await startTokenGateway({ authentication: THROTTLE });
    });
    after(() => t.close());

    test('wrong client secrets count, and then the right one is refused too', async () => {
      const form = { grant_type: 'client_credentials' };
      for (let i = 0; i < 3; i++) {
        const r = await t.post('/oauth2/token', form, { id: t.client.record.id, secret: `wrong-${i}` });
        assert.equal(r.status, 401);
        assert.equal(r.body.error, 'invalid_client');
      }
      const r = await t.post('/oauth2/token', form, { id: t.client.record.id, secret: t.client.secret });
      assert.equal(r.status, 429);
      assert.equal(r.body.code, 'authentication_throttled');
      assert.equal(r.body.access_token, undefined);
    });

    test('the API shares the count: a bearer token from that address is refused unverified', async () => {
      const res = await t.call('/pets', 'Bearer not-a-token');
      assert.equal(res.status, 429);
      assert.equal(res.reached, false);
    });
  });
});
