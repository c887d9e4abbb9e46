import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { tuneGarbageCollectionForServing } from '../../src/runtime/gc-tuning.ts';
import { serveBenchmarkIpc } from './ipc.ts';

// The same V8 settings as Portcullis, so the floor is measured on equal terms.
tuneGarbageCollectionForServing();
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
