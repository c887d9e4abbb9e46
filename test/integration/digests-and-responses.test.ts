import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { ORDER, shopFiles } from '../support/shop.ts';

const digestOf = (algorithm: 'sha256' | 'sha512', body: string | Buffer) =>
  `${algorithm === 'sha256' ? 'sha-256' : 'sha-512'}=:${createHash(algorithm).update(body).digest('base64')}:`;

describe('Content-Digest (RFC 9530)', () => {
  let t: TestGateway;
  let headers: Record<string, string>;
  const body = JSON.stringify(ORDER);
  before(async () => {
    t = await startTestGateway({
      files: shopFiles({
        digest: { require: true, requests: 'sha-512' },
        operations: { 'pets.createOrder': { encodings: ['gzip'] } },
      }),
    });
    headers = { 'x-api-key': t.key, 'x-tenant': 'acme', 'content-type': 'application/json' };
  });
  after(() => t.close());

  async function refusedWith(code: string, extra: Record<string, string>, sent: string | Buffer = body) {
    const before = t.upstream.requests.length;
    const res = await fetch(`${t.url}/orders`, {
      method: 'POST',
      headers: { ...headers, ...extra },
      body: sent,
    });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { code: string }).code, code);
    assert.equal(t.upstream.requests.length, before);
    return res;
  }

  test('verifies a sha-256 or sha-512 digest and forwards the body with its own digest', async () => {
    for (const algorithm of ['sha256', 'sha512'] as const) {
      const res = await fetch(`${t.url}/orders`, {
        method: 'POST',
        headers: { ...headers, 'content-digest': `md5=:AAAA:, ${digestOf(algorithm, body)}` },
        body,
      });
      assert.equal(res.status, 200);
      assert.equal(t.upstream.requests.at(-1)!.headers['content-digest'], digestOf('sha512', body));
    }
  });

  test('refuses a body whose digest does not match, with any supported algorithm wrong', async () => {
    await refusedWith('digest_mismatch', { 'content-digest': digestOf('sha256', `${body} `) });
    await refusedWith('digest_mismatch', {
      'content-digest': `${digestOf('sha256', body)}, ${digestOf('sha512', 'other')}`,
    });
    await refusedWith('digest_mismatch', { 'content-digest': 'sha-256=abc' });
  });

  test('requires a digest when the contract says so, and says which it wants', async () => {
    const res = await refusedWith('digest_missing', {});
    assert.match(res.headers.get('want-content-digest') ?? '', /sha-256/);
    await refusedWith('digest_missing', { 'content-digest': 'md5=:AAAA:' });
  });

  test('checks the digest of an encoded body against the bytes as sent', async () => {
    const encoded = gzipSync(body);
    await refusedWith(
      'digest_mismatch',
      { 'content-encoding': 'gzip', 'content-digest': digestOf('sha256', body) },
      encoded,
    );
    const res = await fetch(`${t.url}/orders`, {
      method: 'POST',
      headers: { ...headers, 'content-encoding': 'gzip', 'content-digest': digestOf('sha256', encoded) },
      body: encoded,
    });
    assert.equal(res.status, 200);
    const seen = t.upstream.requests.at(-1)!;
    assert.equal(seen.body.toString(), body);
    assert.equal(seen.headers['content-digest'], digestOf('sha512', body));
  });
});

describe('response validation and response digests', () => {
  let t: TestGateway;
  const answers: Record<string, { status: number; type?: string; body: string }> = {
    '/orders/1': {
      status: 200,
      type: 'application/json',
      body: JSON.stringify({ id: 1, ...ORDER, email: 'a@example.com' }),
    },
    '/orders/2': { status: 200, type: 'application/json', body: '{"id":2,"item":"x","quantity":"lots"}' },
    '/orders/3': { status: 500, type: 'application/json', body: '{"error":"internal detail"}' },
    '/orders/4': { status: 200, type: 'text/html', body: '<html></html>' },
    '/orders/5': { status: 404, body: '' },
    '/orders/6': { status: 200, type: 'application/json', body: '{"id":6,"id":7,"item":"x","quantity":1}' },
  };
  before(async () => {
    t = await startTestGateway({
      files: shopFiles({
        operations: { 'pets.getOrder': { responses: { validate: true }, digest: { responses: 'sha-256' } } },
      }),
      handler: (req, res) => {
        const answer = answers[req.url ?? ''] ?? {
          status: 200,
          type: 'application/json',
          body: JSON.stringify(ORDER),
        };
        res.writeHead(answer.status, answer.type === undefined ? {} : { 'content-type': answer.type });
        res.end(answer.body);
      },
    });
  });
  after(() => t.close());

  const get = (path: string) => fetch(`${t.url}${path}`, { headers: { 'x-api-key': t.key } });

  test('passes a documented answer and adds its Content-Digest', async () => {
    const res = await get('/orders/1');
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.equal(text, answers['/orders/1']!.body);
    assert.equal(res.headers.get('content-digest'), digestOf('sha256', text));
    assert.equal((await get('/orders/5')).status, 404);
    assert.equal(t.upstream.requests.at(-1)!.headers['accept-encoding'], 'identity');
  });

  test('turns an answer that breaks the description into a 502 without its content', async () => {
    for (const path of ['/orders/2', '/orders/3', '/orders/4', '/orders/6']) {
      const res = await get(path);
      assert.equal(res.status, 502, path);
      const text = await res.text();
      assert.equal(JSON.parse(text).code, 'response_invalid');
      assert.ok(!text.includes('internal detail') && !text.includes('lots'));
    }
    assert.ok(
      t.logs.some((line) => line.includes('response_invalid') && line.includes('type@/body/quantity')),
    );
  });
});
