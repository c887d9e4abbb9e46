import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import type { Exchange } from '../../src/pipeline/exchange.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { rawRequest } from '../support/raw-http.ts';
import { ORDER, shopFiles } from '../support/shop.ts';

interface Problem {
  code: string;
  violations?: { pointer: string; rule: string }[];
}

/** Sends a request and asserts it was refused with `code` and that the upstream saw nothing. */
async function refused(t: TestGateway, code: string, path: string, init: RequestInit): Promise<Problem> {
  const before = t.upstream.requests.length;
  const res = await fetch(`${t.url}${path}`, init);
  const problem = (await res.json()) as Problem;
  assert.equal(problem.code, code, JSON.stringify(problem));
  assert.equal(res.headers.get('content-type'), 'application/problem+json');
  assert.equal(t.upstream.requests.length, before, 'the upstream received the refused request');
  return problem;
}

describe('content inspection: size, type and encoding', () => {
  let t: TestGateway;
  let json: Record<string, string>;
  before(async () => {
    t = await startTestGateway({
      files: shopFiles({
        maxBodyBytes: 4096,
        operations: { 'pets.createOrder': { encodings: ['gzip', 'deflate', 'br'], maxCompressionRatio: 20 } },
      }),
    });
    json = { 'x-api-key': t.key, 'x-tenant': 'acme', 'content-type': 'application/json' };
  });
  after(() => t.close());

  test('refuses a declared length over the limit at once, without reading the body', async () => {
    const before = t.upstream.requests.length;
    // Only the headers are sent: an answer proves the gateway did not wait for 1 MB.
    const res = await rawRequest(
      t.port,
      `POST /orders HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Api-Key: ${t.key}\r\nX-Tenant: acme\r\nContent-Type: application/json\r\nContent-Length: 1048576\r\n\r\n{"item":`,
    );
    assert.equal(res?.status, 413);
    assert.equal(JSON.parse(res!.body).code, 'body_too_large');
    assert.equal(res?.headers.connection, 'close');
    assert.equal(t.upstream.requests.length, before);
  });

  test('refuses a chunked body as soon as it passes the limit', async () => {
    const before = t.upstream.requests.length;
    const chunk = `{"item":"${'x'.repeat(3000)}`;
    const size = Buffer.byteLength(chunk).toString(16);
    const res = await rawRequest(
      t.port,
      `POST /orders HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Api-Key: ${t.key}\r\nX-Tenant: acme\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${size}\r\n${chunk}\r\n${size}\r\n${chunk}\r\n`,
    );
    assert.equal(res?.status, 413);
    assert.equal(JSON.parse(res!.body).code, 'body_too_large');
    assert.equal(t.upstream.requests.length, before);
  });

  test('forwards an empty chunked body to an operation whose body is optional, and refuses it where required', async () => {
    const empty = (path: string, type: string) =>
      rawRequest(
        t.port,
        `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Api-Key: ${t.key}\r\nX-Tenant: acme\r\nContent-Type: ${type}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n`,
      );
    const before = t.upstream.requests.length;
    assert.equal((await empty('/notes', 'text/plain'))?.status, 200);
    assert.equal(t.upstream.requests.length, before + 1);
    assert.equal(t.upstream.requests.at(-1)!.body.length, 0);
    const required = await empty('/orders', 'application/json');
    assert.deepEqual(JSON.parse(required!.body).violations, [{ pointer: '/body', rule: 'required' }]);
    assert.equal(t.upstream.requests.length, before + 1);
  });

  test('refuses a body without a type, of a type the operation does not list, or not UTF-8', async () => {
    const body = JSON.stringify(ORDER);
    const { 'content-type': _, ...untyped } = json;
    await refused(t, 'media_type_unsupported', '/orders', { method: 'POST', headers: untyped, body });
    for (const type of ['text/plain', 'application/xml', 'application/json; charset=iso-8859-1', 'json']) {
      await refused(t, 'media_type_unsupported', '/orders', {
        method: 'POST',
        headers: { ...json, 'content-type': type },
        body,
      });
    }
  });

  test('refuses a body sent to an operation that declares none', async () => {
    const before = t.upstream.requests.length;
    const res = await rawRequest(
      t.port,
      `GET /orders/1 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Api-Key: ${t.key}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
    );
    assert.equal(JSON.parse(res!.body).code, 'media_type_unsupported');
    assert.equal(t.upstream.requests.length, before);
  });

  test('refuses a content coding the contract does not accept, naming those it does', async () => {
    const before = t.upstream.requests.length;
    const res = await fetch(`${t.url}/notes`, {
      method: 'POST',
      headers: { 'x-api-key': t.key, 'content-type': 'text/plain', 'content-encoding': 'gzip' },
      body: gzipSync('hello'),
    });
    assert.equal(res.status, 415);
    assert.equal(((await res.json()) as Problem).code, 'encoding_unsupported');
    assert.equal(res.headers.get('accept-encoding'), 'identity');
    assert.equal(t.upstream.requests.length, before);
  });

  test('decodes an accepted coding and forwards the decoded body it checked', async () => {
    const body = Buffer.from(JSON.stringify(ORDER));
    for (const [coding, encoded] of [
      ['gzip', gzipSync(body)],
      ['deflate', deflateSync(body)],
      ['br', brotliCompressSync(body)],
    ] as const) {
      const res = await fetch(`${t.url}/orders`, {
        method: 'POST',
        headers: { ...json, 'content-encoding': coding },
        body: encoded,
      });
      assert.equal(res.status, 200, coding);
      const seen = t.upstream.requests.at(-1)!;
      assert.ok(seen.body.equals(body), coding);
      assert.equal(seen.headers['content-encoding'], undefined);
      assert.equal(seen.headers['content-length'], String(body.length));
    }
  });

  test('refuses a body whose decoded size passes the limit or the ratio cap', async () => {
    const big = Buffer.from(JSON.stringify({ item: 'x'.repeat(5000), quantity: 1 }));
    await refused(t, 'body_too_large', '/orders', {
      method: 'POST',
      headers: { ...json, 'content-encoding': 'gzip' },
      body: gzipSync(big),
    });
  });

  test('refuses a coding that does not decode, and stacked codings', async () => {
    await refused(t, 'body_malformed', '/orders', {
      method: 'POST',
      headers: { ...json, 'content-encoding': 'gzip' },
      body: Buffer.from('not gzip at all'),
    });
    await refused(t, 'encoding_unsupported', '/orders', {
      method: 'POST',
      headers: { ...json, 'content-encoding': 'gzip, gzip' },
      body: gzipSync(gzipSync(JSON.stringify(ORDER))),
    });
  });
});

describe('content inspection: strict JSON and OpenAPI validation', () => {
  let t: TestGateway;
  let json: Record<string, string>;
  const seen: Exchange[] = [];
  before(async () => {
    t = await startTestGateway({
      files: shopFiles({ json: { maxDepth: 6 } }),
      recorders: [{ request: (ex) => seen.push(ex), listenerRejection: () => {} }],
    });
    json = { 'x-api-key': t.key, 'x-tenant': 'acme', 'content-type': 'application/json' };
  });
  after(() => t.close());

  const post = (body: string | Buffer, headers = json) =>
    ({ method: 'POST', headers, body }) satisfies RequestInit;

  test('forwards a valid body and records the data classes and digest it saw', async () => {
    const body = JSON.stringify({ ...ORDER, email: 'a@example.com', address: { next: { street: 'Main' } } });
    const res = await fetch(`${t.url}/orders?dryRun=false`, post(body));
    assert.equal(res.status, 200);
    assert.equal(t.upstream.requests.at(-1)!.body.toString(), body);
    const ex = seen.at(-1)!;
    assert.deepEqual([...(ex.dataClasses ?? [])].sort(), ['pii.address', 'pii.email']);
    assert.match(ex.contentDigest ?? '', /^sha-256=:[A-Za-z0-9+/]{43}=:$/);
  });

  test('refuses each strict-JSON violation with its rule and pointer', async () => {
    const cases: [string | Buffer, string, string][] = [
      ['{"item":"a","item":"b","quantity":1}', '/body/item', 'duplicate_key'],
      ['{"item":"a","quantity":1,"__proto__":{"admin":true}}', '/body/__proto__', 'prototype_key'],
      ['{"item":"a","quantity":1,"constructor":{}}', '/body/constructor', 'prototype_key'],
      ['{"item":"\\ud800","quantity":1}', '/body', 'lone_surrogate'],
      [Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{}')]), '/body', 'bom'],
      [Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]), '/body', 'utf8'],
      ['{"item":"a","quantity":1} trailing', '/body', 'trailing_content'],
      ['{"a":[[[[[[1]]]]]]}', '/body/a/0/0/0/0/0', 'depth'],
    ];
    for (const [body, pointer, rule] of cases) {
      const problem = await refused(t, 'body_malformed', '/orders', post(body));
      assert.deepEqual(problem.violations, [{ pointer, rule }], String(body));
    }
  });

  test('lists every schema violation by pointer and rule, never with the value sent', async () => {
    const secret = 'SECRET-VALUE-4242';
    const body = JSON.stringify({
      item: secret.repeat(5),
      quantity: 0,
      note: null,
      email: secret,
      extra: secret,
      address: { street: 1, zip: secret },
    });
    const problem = await refused(t, 'request_invalid', '/orders', post(body));
    assert.deepEqual(
      new Set(problem.violations!.map((v) => `${v.rule} ${v.pointer}`)),
      new Set([
        'maxLength /body/item',
        'exclusiveMinimum /body/quantity',
        'format /body/email',
        'additionalProperties /body/extra',
        'type /body/address/street',
        'additionalProperties /body/address/zip',
      ]),
    );
    assert.ok(!JSON.stringify(problem).includes('SECRET'), 'a value reached the problem');
  });

  test('refuses a missing required body, and integers that cannot be exact', async () => {
    const missing = await refused(t, 'request_invalid', '/orders', { method: 'POST', headers: json });
    assert.deepEqual(missing.violations, [{ pointer: '/body', rule: 'required' }]);
    const big = await refused(
      t,
      'request_invalid',
      '/orders',
      post('{"item":"a","quantity":9007199254740993}'),
    );
    assert.ok(big.violations!.some((v) => v.pointer === '/body/quantity' && v.rule === 'integer_precision'));
  });

  test('checks path, query, header and cookie parameters', async () => {
    const problem = await refused(t, 'request_invalid', '/orders/0?fields=id&fields=secret&debug=1', {
      headers: { 'x-api-key': t.key },
    });
    assert.deepEqual(
      new Set(problem.violations!.map((v) => `${v.rule} ${v.pointer}`)),
      new Set(['minimum /path/orderId', 'enum /query/fields/1', 'unknown_parameter /query/debug']),
    );
    const header = await refused(
      t,
      'request_invalid',
      '/orders?dryRun=maybe&dryRun=true',
      post(JSON.stringify(ORDER), {
        ...json,
        'x-tenant': 'ACME',
      }),
    );
    assert.deepEqual(
      new Set(header.violations!.map((v) => `${v.rule} ${v.pointer}`)),
      new Set(['repeated /query/dryRun', 'pattern /header/x-tenant']),
    );
    const cookie = await refused(t, 'request_invalid', '/orders/12', {
      headers: { 'x-api-key': t.key, cookie: 'theme=dark; session=NOT-HEX' },
    });
    assert.deepEqual(cookie.violations, [{ pointer: '/cookie/session', rule: 'pattern' }]);
    const res = await fetch(`${t.url}/orders/12?fields=id&fields=item`, {
      headers: { 'x-api-key': t.key, cookie: 'session=abc123' },
    });
    assert.equal(res.status, 200);
  });

  test('checks UTF-8 text and urlencoded forms against their schemas', async () => {
    const text = { 'x-api-key': t.key, 'content-type': 'text/plain; charset=utf-8' };
    assert.equal((await fetch(`${t.url}/notes`, post('hello', text))).status, 200);
    await refused(t, 'request_invalid', '/notes', post('x'.repeat(51), text));
    await refused(t, 'body_malformed', '/notes', post(Buffer.from([0x68, 0xc3]), text));
    const form = { 'x-api-key': t.key, 'content-type': 'application/x-www-form-urlencoded' };
    assert.equal((await fetch(`${t.url}/notes`, post('text=hi&pinned=true', form))).status, 200);
    const problem = await refused(t, 'request_invalid', '/notes', post('pinned=yes&pinned=no', form));
    assert.deepEqual(problem.violations, [{ pointer: '/body/pinned', rule: 'repeated' }]);
    const invalid = await refused(t, 'request_invalid', '/notes', post('pinned=yes', form));
    assert.deepEqual(
      new Set(invalid.violations!.map((v) => `${v.rule} ${v.pointer}`)),
      new Set(['required /body/text', 'type /body/pinned']),
    );
  });

  test('parses multipart forms strictly and validates their fields', async () => {
    const boundary = 'b0undary';
    const multipart = (parts: string) => ({
      'x-api-key': t.key,
      'content-type': `multipart/form-data; boundary=${boundary}`,
      body: parts,
    });
    const part = (name: string, value: string, filename?: string) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${filename === undefined ? '' : `; filename="${filename}"`}\r\n${filename === undefined ? '' : 'Content-Type: application/octet-stream\r\n'}\r\n${value}\r\n`;
    const ok = multipart(
      `${part('title', 'report')}${part('copies', '2')}${part('file', 'bytes', 'r.bin')}--${boundary}--\r\n`,
    );
    const { body, ...headers } = ok;
    assert.equal((await fetch(`${t.url}/files`, post(body, headers))).status, 200);
    assert.equal(t.upstream.requests.at(-1)!.body.toString(), body);

    const bad = multipart(`${part('title', 'x'.repeat(21))}${part('copies', '0')}--${boundary}--\r\n`);
    const problem = await refused(t, 'request_invalid', '/files', post(bad.body, headers));
    assert.deepEqual(
      new Set(problem.violations!.map((v) => `${v.rule} ${v.pointer}`)),
      new Set(['maxLength /body/title', 'minimum /body/copies', 'required /body/file']),
    );
    for (const [body, rule] of [
      [`preamble\r\n${part('title', 'a')}--${boundary}--`, 'multipart_preamble'],
      [`${part('title', 'a')}`, 'multipart_unterminated'],
      [
        `--${boundary}\r\nContent-Disposition: form-data; name="a"\r\nContent-Transfer-Encoding: base64\r\n\r\nYQ==\r\n--${boundary}--`,
        'multipart_header',
      ],
      [
        `--${boundary}\r\nContent-Disposition: form-data; name="a"; filename*=UTF-8''x\r\n\r\nx\r\n--${boundary}--`,
        'multipart_header',
      ],
      [`${part('title', 'a')}--${boundary}--\r\nepilogue`, 'multipart_epilogue'],
    ]) {
      const refusal = await refused(t, 'body_malformed', '/files', post(body!, headers));
      assert.equal(refusal.violations![0]!.rule, rule);
    }
  });
});

describe('content inspection: deny rules', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway({
      files: shopFiles({
        deny: {
          fields: ['/address/*/street'],
          patterns: [{ name: 'card-number', regex: '\\b\\d{4}(?:[ -]?\\d{4}){3}\\b' }],
        },
        operations: { 'pets.createOrder': { deny: { fields: ['/note'] } } },
      }),
    });
  });
  after(() => t.close());

  test('refuses forbidden fields and patterns, per partner and operation, saying where only', async () => {
    const headers = { 'x-api-key': t.key, 'x-tenant': 'acme', 'content-type': 'application/json' };
    const post = (body: unknown) => ({ method: 'POST', headers, body: JSON.stringify(body) });
    const note = await refused(t, 'content_denied', '/orders', post({ ...ORDER, note: 'hi' }));
    assert.deepEqual(note.violations, [{ pointer: '/body/note', rule: 'forbidden_field' }]);
    const street = await refused(
      t,
      'content_denied',
      '/orders',
      post({ ...ORDER, address: { next: { street: 'x' } } }),
    );
    assert.deepEqual(street.violations, [{ pointer: '/body/address/next/street', rule: 'forbidden_field' }]);
    const card = await refused(
      t,
      'content_denied',
      '/orders',
      post({ item: 'pay 4111 1111 1111 1111', quantity: 1 }),
    );
    assert.deepEqual(card.violations, [{ pointer: '/body/item', rule: 'forbidden_pattern' }]);
    assert.ok(!JSON.stringify(card).includes('4111'));
    assert.equal((await fetch(`${t.url}/orders`, post(ORDER))).status, 200);
  });
});
