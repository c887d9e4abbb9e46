import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createHealthEndpoint } from '../../../src/pipeline/local/health.ts';
import { startTestGateway, type TestGateway } from '../../support/gateway.ts';
import { rawRequest } from '../../support/raw-http.ts';

describe('the health endpoint', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway();
  });
  after(() => t.close());

  test('answers without a credential and never reaches the upstream', async () => {
    const res = await fetch(`${t.url}/portcullis/v1/health`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ok' });
    assert.ok(res.headers.get('x-request-id'));
    assert.equal(t.upstream.requests.length, 0);
  });

  test('refuses other methods with 405 and the allowed ones', async () => {
    const res = await fetch(`${t.url}/portcullis/v1/health`, { method: 'POST' });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'GET');
  });

  test('still enforces the canonical form and the served hosts', async () => {
    const dotted = await rawRequest(
      t.port,
      'GET /portcullis/v1/../v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
    );
    assert.equal(dotted?.status, 400);
    const foreign = await rawRequest(
      t.port,
      'GET /portcullis/v1/health HTTP/1.1\r\nHost: evil.example\r\n\r\n',
    );
    assert.equal(foreign?.status, 400);
  });

  test('says draining with 503 once shutdown has begun', () => {
    let draining = false;
    const endpoint = createHealthEndpoint(() => draining);
    const sent: { status?: number; body?: string } = {};
    const res = {
      statusCode: 0,
      setHeader() {},
      end(body: string) {
        sent.status = this.statusCode;
        sent.body = body;
      },
    };
    const ex = { res, id: 'd' } as never;
    endpoint.handle(ex);
    assert.equal(sent.status, 200);
    draining = true;
    endpoint.handle(ex);
    assert.deepEqual([sent.status, JSON.parse(sent.body!)], [503, { status: 'draining' }]);
  });
});
