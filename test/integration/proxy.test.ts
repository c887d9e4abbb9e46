import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { contractFile, gatewayFile } from '../support/config.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { rawRequest } from '../support/raw-http.ts';

describe('forwarding an allowed request', () => {
  let t: TestGateway;
  before(async () => {
    // Room for the 8 MB upload below (the default body limit is 1 MiB).
    const contract = contractFile('acme', ['listPets', 'createPet', 'getPet'], {
      content: { maxBodyBytes: 16 * 1024 * 1024 },
    });
    t = await startTestGateway({ files: { 'contracts/acme.yaml': contract } });
  });
  after(() => t.close());

  test('returns the upstream answer with the gateway request id', async () => {
    const res = await fetch(`${t.url}/pets?limit=2`, { headers: { 'x-api-key': t.key } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-upstream'), 'yes');
    const requestId = res.headers.get('x-request-id');
    assert.match(requestId ?? '', /^[0-9a-f-]{36}$/);
    assert.deepEqual(await res.json(), { method: 'GET', url: '/pets?limit=2', bytes: 0 });
    const seen = t.upstream.requests.at(-1)!;
    assert.equal(seen.headers['x-request-id'], requestId);
    assert.equal(seen.headers['x-portcullis-partner'], 'acme');
    assert.equal(seen.headers['x-portcullis-application'], 'default');
  });

  test('never forwards the caller credentials or a spoofed identity header', async () => {
    const res = await rawRequest(
      t.port,
      `GET /pets HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Api-Key: ${t.key}\r\nX-Portcullis-Partner: admin\r\nX-Portcullis-Role: root\r\nCookie: a=1\r\nConnection: close\r\n\r\n`,
    );
    assert.equal(res?.status, 200);
    const seen = t.upstream.requests.at(-1)!;
    assert.equal(seen.headers['x-api-key'], undefined);
    assert.equal(seen.headers.authorization, undefined);
    assert.equal(seen.headers['x-portcullis-partner'], 'acme');
    assert.equal(seen.headers['x-portcullis-role'], undefined);
    assert.equal(seen.headers.cookie, 'a=1');
    const all = JSON.stringify(seen.rawHeaders);
    assert.ok(!all.includes(t.key.slice(17)), 'the key secret reached the upstream');
  });

  test('also accepts Authorization: ApiKey and strips it', async () => {
    const res = await fetch(`${t.url}/pets`, { headers: { authorization: `ApiKey ${t.key}` } });
    assert.equal(res.status, 200);
    assert.equal(t.upstream.requests.at(-1)!.headers.authorization, undefined);
  });

  test('drops hop-by-hop headers and those named in Connection, and keeps repeated end-to-end headers', async () => {
    const res = await rawRequest(
      t.port,
      `GET /pets HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Api-Key: ${t.key}\r\nConnection: keep-alive, X-Secret-Hop\r\nX-Secret-Hop: 1\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\nProxy-Authorization: Basic Zm9vOmJhcg==\r\nAccept: text/plain\r\nAccept: application/json\r\n\r\n`,
    );
    assert.equal(res?.status, 200);
    const seen = t.upstream.requests.at(-1)!;
    for (const name of ['x-secret-hop', 'keep-alive', 'te', 'proxy-authorization']) {
      assert.equal(seen.headers[name], undefined, name);
    }
    const accepts = seen.rawHeaders.filter((_, i, a) => i % 2 === 1 && a[i - 1]!.toLowerCase() === 'accept');
    assert.deepEqual(accepts, ['text/plain', 'application/json']);
  });

  test('replaces forwarding headers sent by an untrusted client', async () => {
    await fetch(`${t.url}/pets`, {
      headers: {
        'x-api-key': t.key,
        'x-forwarded-for': '6.6.6.6',
        forwarded: 'for=6.6.6.6',
        'x-forwarded-host': 'evil',
        'x-real-ip': '6.6.6.6',
      },
    });
    const seen = t.upstream.requests.at(-1)!;
    assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(seen.headers.forwarded, `for=127.0.0.1;host="127.0.0.1:${t.port}";proto=http`);
    assert.equal(seen.headers['x-forwarded-host'], `127.0.0.1:${t.port}`);
    assert.equal(seen.headers['x-forwarded-proto'], 'http');
    assert.equal(seen.headers['x-real-ip'], undefined);
  });

  test('continues the caller trace and starts one when there is none', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await fetch(`${t.url}/pets`, {
      headers: { 'x-api-key': t.key, traceparent: `00-${traceId}-00f067aa0ba902b7-01`, tracestate: 'v=1' },
    });
    let seen = t.upstream.requests.at(-1)!;
    assert.match(String(seen.headers.traceparent), new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    assert.ok(!String(seen.headers.traceparent).includes('00f067aa0ba902b7'));
    assert.equal(seen.headers.tracestate, 'v=1');
    await fetch(`${t.url}/pets`, { headers: { 'x-api-key': t.key } });
    seen = t.upstream.requests.at(-1)!;
    assert.match(String(seen.headers.traceparent), /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  test('streams a large request body to the upstream byte for byte', async () => {
    const body = Buffer.alloc(8 * 1024 * 1024, 7);
    const res = await fetch(`${t.url}/pets`, {
      method: 'POST',
      headers: { 'x-api-key': t.key, 'content-type': 'application/octet-stream' },
      body,
    });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { bytes: number }).bytes, body.length);
    assert.ok(t.upstream.requests.at(-1)!.body.equals(body));
  });

  test('streams a chunked request body', async () => {
    const res = await rawRequest(
      t.port,
      `POST /pets HTTP/1.1\r\nHost: localhost\r\nX-Api-Key: ${t.key}\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n`,
    );
    assert.equal(res?.status, 200);
    assert.equal(t.upstream.requests.at(-1)!.body.toString(), 'hello world');
  });
});

describe('forwarding to an upstream with a base path, and failures', () => {
  let t: TestGateway;
  let mode: 'ok' | 'slow' | 'big' | 'cut' = 'ok';
  before(async () => {
    t = await startTestGateway({
      gateway: { api: { basePath: '/v1' }, upstream: { responseTimeoutMs: 300 } },
      upstreamPath: '/internal',
      handler: (_req, res) => {
        if (mode === 'slow') return void setTimeout(() => res.end('late'), 1500);
        if (mode === 'big') {
          res.writeHead(200, { 'content-type': 'application/octet-stream' });
          return void res.end(Buffer.alloc(5 * 1024 * 1024, 1));
        }
        if (mode === 'cut') {
          res.writeHead(200, { 'content-length': '1000' });
          res.write('partial');
          return void setTimeout(() => res.socket?.destroy(), 20);
        }
        res.end('ok');
      },
    });
  });
  after(() => t.close());

  test('swaps the gateway base path for the upstream one and serves only under it', async () => {
    mode = 'ok';
    const res = await fetch(`${t.url}/v1/pets/42?x=%2F`, { headers: { 'x-api-key': t.key } });
    assert.equal(res.status, 200);
    assert.equal(t.upstream.requests.at(-1)!.url, '/internal/pets/42?x=%2F');
    const outside = await fetch(`${t.url}/pets/42`, { headers: { 'x-api-key': t.key } });
    assert.equal(outside.status, 404);
  });

  test('streams a large response body back', async () => {
    mode = 'big';
    const res = await fetch(`${t.url}/v1/pets`, { headers: { 'x-api-key': t.key } });
    assert.equal((await res.arrayBuffer()).byteLength, 5 * 1024 * 1024);
  });

  test('answers 504 when the upstream does not answer in time', async () => {
    mode = 'slow';
    const started = performance.now();
    const res = await fetch(`${t.url}/v1/pets`, { headers: { 'x-api-key': t.key } });
    assert.equal(res.status, 504);
    const body = (await res.json()) as { code: string; detail: string };
    assert.equal(body.code, 'upstream_timeout');
    assert.ok(performance.now() - started < 1400, 'the gateway waited for the slow upstream');
    assert.ok(!JSON.stringify(body).includes('127.0.0.1'), 'the upstream address leaked');
  });

  test('cuts the client connection when the upstream dies mid-answer', async () => {
    mode = 'cut';
    await assert.rejects(async () => {
      const res = await fetch(`${t.url}/v1/pets`, { headers: { 'x-api-key': t.key } });
      await res.arrayBuffer();
    });
  });

  test('aborts the upstream request when the client goes away', async () => {
    mode = 'slow';
    const closed = new Promise<void>((resolve) => {
      t.upstream.server.once('request', (req) => req.socket.once('close', () => resolve()));
    });
    const req = request(`${t.url}/v1/pets`, { headers: { 'x-api-key': t.key } });
    req.on('error', () => {});
    req.end();
    await new Promise((resolve) => setTimeout(resolve, 100));
    req.destroy();
    await closed;
  });
});

describe('an unreachable upstream', () => {
  test('answers 502 upstream_unavailable without the address', async () => {
    const t = await startTestGateway();
    const port = t.upstream.port;
    await t.upstream.close();
    try {
      const res = await fetch(`${t.url}/pets`, { headers: { 'x-api-key': t.key } });
      assert.equal(res.status, 502);
      const text = await res.text();
      assert.equal(JSON.parse(text).code, 'upstream_unavailable');
      assert.ok(!text.includes(String(port)));
    } finally {
      await t.close();
    }
  });
});

describe('upstream failures before an answer', () => {
  test('a connection reset before the answer is a 502', async () => {
    const t = await startTestGateway({ handler: (req) => req.socket.destroy() });
    try {
      const res = await fetch(`${t.url}/pets`, {
        method: 'POST',
        headers: { 'x-api-key': t.key, 'content-type': 'application/json' },
        body: '{}',
      });
      assert.equal(res.status, 502);
      assert.equal(((await res.json()) as { code: string }).code, 'upstream_unavailable');
    } finally {
      await t.close();
    }
  });

  test('an upstream that never accepts the connection is a 504 within the connect timeout', async () => {
    // A socket that listens but never accepts, with its backlog already full: the kernel
    // drops further SYNs, so a connect attempt hangs exactly like an unreachable host.
    const python = spawn('python3', [
      '-c',
      "import socket,time; s=socket.socket(); s.bind(('127.0.0.1',0)); s.listen(0); print(s.getsockname()[1], flush=True); time.sleep(60)",
    ]);
    const fillers: Socket[] = [];
    try {
      const port = await new Promise<number>((resolve) =>
        python.stdout.once('data', (d) => resolve(Number(String(d).trim()))),
      );
      for (let i = 0; i < 4; i++) fillers.push(connect(port, '127.0.0.1').on('error', () => {}));
      await new Promise((resolve) => setTimeout(resolve, 200));
      const t = await startTestGateway({ gateway: { upstream: { connectTimeoutMs: 300 } } });
      try {
        t.config.write({
          'portcullis.yaml': gatewayFile({
            upstreamUrl: `http://127.0.0.1:${port}`,
            upstream: { connectTimeoutMs: 300 },
          }),
        });
        assert.ok((await t.gateway.reload()).ok);
        const started = performance.now();
        const res = await fetch(`${t.url}/pets`, { headers: { 'x-api-key': t.key } });
        assert.equal(res.status, 504);
        assert.equal(((await res.json()) as { code: string }).code, 'upstream_timeout');
        assert.ok(performance.now() - started < 5000);
      } finally {
        await t.close();
      }
    } finally {
      for (const f of fillers) f.destroy();
      python.kill();
    }
  });
});

describe('behind a trusted proxy', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway({ gateway: { extra: { trustedProxies: ['127.0.0.0/8'] } } });
  });
  after(() => t.close());

  test('appends to the forwarding chain and believes the client address it reports', async () => {
    await fetch(`${t.url}/pets`, {
      headers: {
        'x-api-key': t.key,
        'x-forwarded-for': '203.0.113.7',
        forwarded: 'for=203.0.113.7;proto=https',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'api.example.com',
      },
    });
    const seen = t.upstream.requests.at(-1)!;
    assert.equal(seen.headers['x-forwarded-for'], '203.0.113.7, 127.0.0.1');
    assert.equal(
      seen.headers.forwarded,
      `for=203.0.113.7;proto=https, for=127.0.0.1;host="127.0.0.1:${t.port}";proto=http`,
    );
    assert.equal(seen.headers['x-forwarded-proto'], 'https');
    assert.equal(seen.headers['x-forwarded-host'], 'api.example.com');
    await fetch(`${t.url}/pets/1`, {
      method: 'DELETE',
      headers: { 'x-api-key': t.key, 'x-forwarded-for': '203.0.113.7' },
    });
    const denied = t.logs
      .map((l) => JSON.parse(l) as { msg: string; client?: string })
      .find((l) => l.msg === 'request denied');
    assert.equal(denied?.client, '203.0.113.7');
  });
});
