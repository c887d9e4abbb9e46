import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { ORDER_2KB } from './bench/order-2kb.ts';
import { writeGatewayConfig } from './bench/targets.ts';
import { Gateway } from './src/gateway.ts';
import { createLogger } from './src/observe/logger.ts';

const up = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.end('{"ok":true}'));
}).listen(0, '127.0.0.1');
await once(up, 'listening');
const dir = mkdtempSync(join(tmpdir(), 'exp-'));
const enabled = process.argv[2] !== 'off';
const key = writeGatewayConfig(
  dir,
  `http://127.0.0.1:${(up.address() as any).port}`,
  enabled ? {} : { content: { enabled: false } },
);
const gw = await Gateway.start({ configDir: dir, logger: createLogger('warn') });
const pool = new Pool(gw.url, { connections: 16 });
let n = 0;
const deadline = performance.now() + 4000;
const cpu0 = process.cpuUsage();
await Promise.all(
  Array.from({ length: 16 }, async () => {
    while (performance.now() < deadline) {
      const r = await pool.request({
        path: '/orders',
        method: 'POST',
        headers: { 'x-api-key': key, 'content-type': 'application/json' },
        body: ORDER_2KB,
      });
      await r.body.text();
      if (r.statusCode !== 200) throw new Error(String(r.statusCode));
      n++;
    }
  }),
);
const cpu = process.cpuUsage(cpu0);
console.log(
  enabled ? 'inspect on' : 'inspect off',
  n,
  'requests',
  ((cpu.user + cpu.system) / n).toFixed(1),
  'µs CPU/req (client+gw+upstream)',
);
await pool.close();
await gw.close();
up.close();
