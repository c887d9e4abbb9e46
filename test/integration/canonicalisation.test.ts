import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { rawRequest } from '../support/raw-http.ts';

/**
 * Every request here is sent as raw bytes, because a client library would refuse or fix
 * most of them. Each must be refused with its problem code, and the upstream must see nothing.
 */
describe('strict canonical form on the wire', () => {
  let t: TestGateway;
  let key: string;
  before(async () => {
    t = await startTestGateway({
      gateway: { extra: { http: { maxPathBytes: 256, maxHeaderCount: 20, maxHeaderBytes: 4096 } } },
    });
    key = t.key;
  });
  after(() => t.close());

  const get = (target: string, headers = '') =>
    `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Api-Key: ${key}\r\n${headers}\r\n`;

  async function refused(request: () => string, status: number, code: string) {
    const before = t.upstream.requests.length;
    const res = await rawRequest(t.port, request());
    assert.ok(res !== undefined, 'the gateway closed without an answer');
    assert.equal(res.status, status, res.text);
    assert.equal(res.headers['content-type'], 'application/problem+json');
    const body = JSON.parse(res.body) as { code: string; decision_id: string };
    assert.equal(body.code, code);
    assert.match(body.decision_id, /^[0-9a-f-]{36}$/);
    assert.equal(t.upstream.requests.length, before, 'the upstream received the request');
  }

  test('the baseline request is served', async () => {
    const res = await rawRequest(t.port, get('/pets/1', 'Connection: close\r\n'));
    assert.equal(res?.status, 200);
  });

  const cases: [string, () => string, number, string][] = [
    ['a dot-dot segment', () => get('/pets/../admin'), 400, 'path_not_canonical'],
    ['a dot segment', () => get('/pets/./1'), 400, 'path_not_canonical'],
    ['an encoded slash', () => get('/pets/1%2f..%2fadmin'), 400, 'path_not_canonical'],
    ['an encoded dot-dot', () => get('/pets/%2e%2e/admin'), 400, 'path_not_canonical'],
    ['an encoded backslash', () => get('/pets/%5cadmin'), 400, 'path_not_canonical'],
    ['an encoded NUL', () => get('/pets/1%00.json'), 400, 'path_not_canonical'],
    ['a backslash', () => get('/pets\\..\\admin'), 400, 'path_not_canonical'],
    ['an empty segment', () => get('//pets/1'), 400, 'path_not_canonical'],
    ['a raw NUL byte (parser)', () => get('/pets/1\x00'), 400, 'path_not_canonical'],
    ['an overlong path', () => get(`/pets/${'a'.repeat(300)}`), 400, 'path_too_long'],
    ['an absolute-form target', () => get('http://127.0.0.1/pets/1'), 400, 'request_target_invalid'],
    [
      'an asterisk-form target',
      () => `OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`,
      400,
      'request_target_invalid',
    ],
    [
      'CONNECT',
      () => `CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n`,
      400,
      'request_target_invalid',
    ],
    ['an invalid header name character', () => get('/pets/1', 'X Bad: 1\r\n'), 400, 'header_invalid'],
    [
      'a control character in a header value',
      () => get('/pets/1', 'X-Bad: a\x01b\r\n'),
      400,
      'header_invalid',
    ],
    ['obsolete line folding', () => get('/pets/1', 'X-Folded: a\r\n b\r\n'), 400, 'header_invalid'],
    [
      'Content-Length with Transfer-Encoding (smuggling)',
      () =>
        `POST /pets HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Api-Key: ${key}\r\nContent-Length: 44\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /pets/2 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`,
      400,
      'framing_invalid',
    ],
    [
      'a repeated Content-Length',
      () =>
        `POST /pets HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Api-Key: ${key}\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nhi`,
      400,
      'framing_invalid',
    ],
    [
      'conflicting Content-Lengths',
      () =>
        `POST /pets HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Api-Key: ${key}\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nhey`,
      400,
      'framing_invalid',
    ],
    [
      'a transfer coding other than chunked',
      () =>
        `POST /pets HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Api-Key: ${key}\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n`,
      400,
      'framing_invalid',
    ],
    ['a missing Host', () => `GET /pets/1 HTTP/1.1\r\nX-Api-Key: ${key}\r\n\r\n`, 400, 'host_missing'],
    [
      'a missing Host on HTTP/1.0',
      () => `GET /pets/1 HTTP/1.0\r\nX-Api-Key: ${key}\r\n\r\n`,
      400,
      'host_missing',
    ],
    ['a repeated Host', () => get('/pets/1', 'Host: evil.example\r\n'), 400, 'host_repeated'],
    [
      'a Host that is not served',
      () => `GET /pets/1 HTTP/1.1\r\nHost: evil.example\r\nX-Api-Key: ${key}\r\n\r\n`,
      400,
      'host_not_allowed',
    ],
    [
      'a malformed Host',
      () => `GET /pets/1 HTTP/1.1\r\nHost: a@127.0.0.1\r\nX-Api-Key: ${key}\r\n\r\n`,
      400,
      'header_invalid',
    ],
    [
      'a repeated Authorization',
      () => get('/pets/1', 'Authorization: ApiKey x\r\nAuthorization: Bearer y\r\n'),
      400,
      'header_repeated',
    ],
    ['a repeated API key header', () => get('/pets/1', `X-Api-Key: ${key}\r\n`), 400, 'header_repeated'],
    ['too many header fields', () => get('/pets/1', 'X-A: 1\r\n'.repeat(25)), 431, 'headers_too_large'],
    [
      'an oversized header section',
      () => get('/pets/1', `X-Big: ${'a'.repeat(5000)}\r\n`),
      431,
      'headers_too_large',
    ],
    ['a bare LF line ending', () => `GET /pets/1 HTTP/1.1\nHost: 127.0.0.1\n\n`, 400, 'request_malformed'],
    ['an unknown route', () => get('/admin'), 404, 'route_not_found'],
    [
      'a method the route does not have',
      () => `PATCH /pets/1 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Api-Key: ${key}\r\n\r\n`,
      405,
      'method_not_allowed',
    ],
  ];
  for (const [name, request, status, code] of cases) {
    test(`refuses ${name} with ${status} ${code}`, () => refused(request, status, code));
  }

  test('a 405 names the allowed methods', async () => {
    const res = await rawRequest(
      t.port,
      `PUT /pets HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Api-Key: ${key}\r\n\r\n`,
    );
    assert.equal(res?.headers.allow, 'GET, POST');
  });

  test('a request pipelined behind a refused one is never forwarded', async () => {
    const before = t.upstream.requests.length;
    const res = await rawRequest(
      t.port,
      `GET /pets/1 HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: x\r\nContent-Length: 0\r\n\r\nGET /pets/2 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Api-Key: ${key}\r\n\r\n`,
    );
    assert.equal(res?.status, 400);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(t.upstream.requests.length, before);
  });
});

describe('slow clients', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway({
      gateway: { extra: { http: { headersTimeoutMs: 200, requestTimeoutMs: 400 } } },
    });
  });
  after(() => t.close());

  test('a client that sends its headers too slowly gets 408 request_timeout', async () => {
    const res = await rawRequest(t.port, 'GET /pets HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ', 3000);
    assert.equal(res?.status, 408);
    assert.equal(JSON.parse(res.body).code, 'request_timeout');
    assert.equal(t.upstream.requests.length, 0);
  });
});
