import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { contractFile } from '../support/config.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { rawRequest, requestWithContinue } from '../support/raw-http.ts';
import { PETS_AUDIENCE, startTokenGateway, type TokenGateway } from '../support/tokens.ts';

/**
 * `Expect: 100-continue` lets a client hold its body until the server asks for it. Node
 * would ask at once; Portcullis asks only once the request passed the checks before the
 * stage that reads the body, so a refused request never gets a body onto the wire.
 */
describe('Expect: 100-continue', () => {
  const BODY = '{"name":"rex"}';
  const post = (key: string | undefined, path = '/pets', extra = '') =>
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${key === undefined ? '' : `X-Api-Key: ${key}\r\n`}` +
    `Content-Type: application/json\r\nContent-Length: ${BODY.length}\r\nExpect: 100-continue\r\n${extra}\r\n`;

  for (const inspection of [true, false]) {
    describe(inspection ? 'with content inspection' : 'streamed to the upstream', () => {
      let t: TestGateway;
      before(async () => {
        t = await startTestGateway({
          files: {
            'contracts/acme.yaml': contractFile(
              'acme',
              ['listPets', 'createPet', 'getPet'],
              inspection ? {} : { content: { enabled: false } },
            ),
          },
        });
      });
      after(() => t.close());

      test('an accepted request is invited, and its body reaches the upstream', async () => {
        const before = t.upstream.requests.length;
        const { invited, response } = await requestWithContinue(t.port, post(t.key), BODY);
        assert.equal(invited, true);
        assert.equal(response?.status, 200, response?.text);
        const seen = t.upstream.requests.slice(before);
        assert.equal(seen.length, 1);
        assert.equal(seen[0]!.body.toString(), BODY);
        assert.equal(seen[0]!.headers.expect, undefined, 'Expect is hop-by-hop');
      });

      test('a request without a credential is refused before its body is asked for', async () => {
        const before = t.upstream.requests.length;
        const { invited, response } = await requestWithContinue(t.port, post(undefined), BODY);
        assert.equal(invited, false);
        assert.equal(response?.status, 401);
        assert.equal(response?.headers.connection, 'close');
        assert.match(JSON.parse(response!.body).decision_id, /^[0-9a-f-]{36}$/);
        assert.equal(t.upstream.requests.length, before);
      });

      test('a request with a wrong key is refused before its body is asked for', async () => {
        const wrong = `${t.key.slice(0, -4)}AAAA`;
        const { invited, response } = await requestWithContinue(t.port, post(wrong), BODY);
        assert.equal(invited, false);
        assert.equal(response?.status, 401);
      });

      if (inspection) {
        // Inspection runs before authorisation (policies may read the body's data classes),
        // so what the headers already show to be wrong is refused before the body is read.
        test('a media type the operation does not take is refused before its body is asked for', async () => {
          const before = t.upstream.requests.length;
          const { invited, response } = await requestWithContinue(
            t.port,
            post(t.key).replace('application/json', 'text/plain'),
            BODY,
          );
          assert.equal(invited, false);
          assert.equal(response?.status, 415, response?.text);
          assert.equal(t.upstream.requests.length, before);
        });
      } else {
        test('an operation the contract does not grant is refused before its body is asked for', async () => {
          const before = t.upstream.requests.length;
          const { invited, response } = await requestWithContinue(
            t.port,
            post(t.key, '/pets/1').replace('POST /pets/1', 'DELETE /pets/1'),
            BODY,
          );
          assert.equal(invited, false);
          assert.equal(response?.status, 403, response?.text);
          assert.equal(JSON.parse(response!.body).code, 'operation_not_granted');
          assert.equal(t.upstream.requests.length, before);
        });
      }
    });
  }

  describe('other expectations', () => {
    let t: TestGateway;
    before(async () => {
      t = await startTestGateway();
    });
    after(() => t.close());

    for (const [name, header, status, code] of [
      ['an unknown expectation', 'Expect: 200-ok\r\n', 417, 'expectation_unsupported'],
      ['a repeated Expect', 'Expect: 100-continue\r\nExpect: 100-continue\r\n', 400, 'header_repeated'],
    ] as const) {
      test(`${name} is refused with a problem`, async () => {
        const before = t.upstream.requests.length;
        const head = `POST /pets HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Api-Key: ${t.key}\r\nContent-Type: application/json\r\nContent-Length: ${BODY.length}\r\n${header}\r\n`;
        const res = await rawRequest(t.port, head + BODY);
        assert.equal(res?.status, status, res?.text);
        assert.equal(res?.headers['content-type'], 'application/problem+json');
        assert.equal(JSON.parse(res!.body).code, code);
        assert.equal(t.upstream.requests.length, before);
      });
    }
  });

  describe('the token endpoint', () => {
    let t: TokenGateway;
    before(async () => {
      t = await startTokenGateway();
    });
    after(() => t.close());

    test('invites the form, which carries the request, and answers it', async () => {
      const form = new URLSearchParams({
        grant_type: 'client_credentials',
        resource: PETS_AUDIENCE,
      }).toString();
      const basic = Buffer.from(`${t.client.record.id}:${t.client.secret}`).toString('base64');
      const head =
        `POST /oauth2/token HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic ${basic}\r\n` +
        `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${form.length}\r\n` +
        'Expect: 100-continue\r\n\r\n';
      const { invited, response } = await requestWithContinue(t.port, head, form);
      assert.equal(invited, true);
      assert.equal(response?.status, 200, response?.text);
      assert.equal(JSON.parse(response!.body).token_type, 'Bearer');
    });
  });
});
