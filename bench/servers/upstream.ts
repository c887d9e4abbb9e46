import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveBenchmarkIpc } from './ipc.ts';

/** The upstream: a small JSON answer, after reading any request body. */
const body = JSON.stringify({ id: 'ord-1', item: 'widget', quantity: 1, status: 'ok' });
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1');
await once(server, 'listening');
serveBenchmarkIpc((server.address() as AddressInfo).port);
