import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, test } from 'node:test';
import { type AnswerGate, GatedResponse } from '../../src/http/gated-response.ts';
import { rawRequest } from '../support/raw-http.ts';

let server: Server<typeof IncomingMessage, typeof GatedResponse> | undefined;

/** A server whose every response asks `gate`, then runs `answer`. */
async function serve(gate: AnswerGate, answer: (res: GatedResponse) => void): Promise<number> {
  server = createServer<typeof IncomingMessage, typeof GatedResponse>(
    { ServerResponse: GatedResponse },
    (_req, res) => {
      res.gate = gate;
      answer(res);
    },
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

afterEach(() => {
  server?.closeAllConnections();
  server?.close();
});

describe('GatedResponse', () => {
  test('sends no byte of a streamed answer until the gate releases it, then all of it, and drains', async () => {
    const release = Promise.withResolvers<void>();
    const asked: number[] = [];
    const writes: boolean[] = [];
    let drained = false;
    const sockets: Socket[] = [];
    const port = await serve(
      (_res, status) => {
        asked.push(status);
        return release.promise;
      },
      (res) => {
        if (res.socket !== null) sockets.push(res.socket);
        res.writeHead(201, { 'content-type': 'text/plain' });
        writes.push(res.write('one,'));
        res.once('drain', () => {
          drained = true;
          res.end('two');
        });
      },
    );
    const response = rawRequest(port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    while (writes.length === 0) await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(sockets[0]?.bytesWritten, 0, 'bytes left before the gate released the answer');
    assert.deepEqual([asked, writes], [[201], [false]]);
    release.resolve();
    const r = await response;
    assert.equal(r?.status, 201);
    assert.match(r?.text ?? '', /one,.*two/s);
    assert.ok(drained);
  });

  test('answers what the gate wrote instead and drops what the writer sends afterwards', async () => {
    const port = await serve(
      (res) => {
        res.answerInstead(503, { 'content-type': 'text/plain', 'content-length': 7 }, 'refused');
        return 'refused';
      },
      (res) => {
        res.setHeader('x-secret', 'value');
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"data":');
        res.end('1}');
      },
    );
    const r = await rawRequest(port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.equal(r?.status, 503);
    assert.equal(r?.body, 'refused');
    assert.equal(r?.headers['x-secret'], undefined);
  });

  test('an ungated response is written as usual', async () => {
    const port = await serve(
      () => undefined,
      (res) => res.end('plain'),
    );
    const r = await rawRequest(port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.deepEqual([r?.status, r?.body], [200, 'plain']);
  });
});
