import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { serveBenchmarkIpc } from './ipc.ts';

/** The floor: a pass-through proxy with node:http and undici, no checks at all. */
const pool = new Pool(process.argv[2]!, { connections: 128 });
const server = createServer((req, res) => {
  const { host: _host, connection: _connection, ...headers } = req.headers;
  const body = req.method === 'GET' || req.method === 'HEAD' ? null : req;
  pool.request({ path: req.url!, method: req.method as 'GET', headers, body }).then(
    (up) => {
      res.writeHead(up.statusCode, up.headers);
      up.body.pipe(res);
    },
    () => {
      res.statusCode = 502;
      res.end();
    },
  );
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1');
await once(server, 'listening');
serveBenchmarkIpc((server.address() as AddressInfo).port);
