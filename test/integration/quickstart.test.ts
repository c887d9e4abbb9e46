import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { spawnCli } from '../support/child.ts';
import { tempConfigDir } from '../support/config.ts';

const QUICKSTART = new URL('../../examples/quickstart/', import.meta.url).pathname;
const BIN = new URL('../../bin/portcullis.js', import.meta.url).pathname;
const sh = promisify(execFile);

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('the quickstart', () => {
  test('prints curl commands that work exactly as printed', async () => {
    // A copy of the quickstart on free ports, so the test never collides with a running `npm start`.
    const copy = tempConfigDir();
    cpSync(QUICKSTART, copy.dir, { recursive: true, filter: (src) => !src.includes('/data') });
    const port = await freePort();
    const file = join(copy.dir, 'portcullis.yaml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8')
        .replace('port: 8080', 'port: 0')
        .replace('127.0.0.1:8099', `127.0.0.1:${port}`),
    );
    const proc = spawnCli(['start', '--config', copy.dir, '--demo']);
    try {
      await proc.waitForStderr(/Stop with Ctrl-C/);
      const curls = proc
        .stderr()
        .split('\n')
        .filter((l) => l.trim().startsWith('curl '));
      assert.equal(curls.length, 7);
      const command = (line: string) => line.trim().replace(/\s+#.*$/, '');

      const list = await sh('sh', ['-c', command(curls[0]!)]);
      const orders = JSON.parse(list.stdout) as { orders: unknown[]; servedTo: string };
      assert.equal(orders.servedTo, 'demo-partner');
      assert.equal(orders.orders.length, 2);

      const created = JSON.parse((await sh('sh', ['-c', command(curls[1]!)])).stdout) as {
        item: string;
        createdBy: string;
      };
      assert.deepEqual([created.item, created.createdBy], ['widget', 'demo-partner']);

      assert.equal(
        JSON.parse((await sh('sh', ['-c', command(curls[2]!)])).stdout).code,
        'operation_not_granted',
      );
      assert.equal(
        JSON.parse((await sh('sh', ['-c', command(curls[3]!)])).stdout).code,
        'credential_missing',
      );

      // The content checks: a wrong body lists its violations, a text body and an oversized one are refused.
      const invalid = JSON.parse((await sh('sh', ['-c', command(curls[4]!)])).stdout) as {
        code: string;
        violations: { pointer: string; rule: string }[];
      };
      assert.equal(invalid.code, 'request_invalid');
      assert.deepEqual(
        new Set(invalid.violations.map((v) => `${v.rule} ${v.pointer}`)),
        new Set(['minLength /body/item', 'minimum /body/quantity', 'additionalProperties /body/colour']),
      );
      assert.equal(
        JSON.parse((await sh('sh', ['-c', command(curls[5]!)])).stdout).code,
        'media_type_unsupported',
      );
      assert.equal(JSON.parse((await sh('sh', ['-c', command(curls[6]!)])).stdout).code, 'body_too_large');
      assert.equal(await proc.stop('SIGINT'), 0);

      // The embedded store survives a restart: the same printed key still works.
      const again = spawnCli(['start', '--config', copy.dir, '--demo']);
      try {
        await again.waitForStderr(/Stop with Ctrl-C/);
        const first = again
          .stderr()
          .split('\n')
          .find((l) => l.trim().startsWith('curl '))!;
        const keyOf = (line: string) => /x-api-key: (ptc_\S+)'/.exec(line)?.[1];
        assert.equal(keyOf(first), keyOf(curls[0]!));
        assert.equal(JSON.parse((await sh('sh', ['-c', command(first)])).stdout).servedTo, 'demo-partner');
      } finally {
        await again.stop();
      }
    } finally {
      await proc.stop('SIGKILL');
      copy.remove();
    }
  });

  test('the bin script runs on the Node 24 the package brings, even from an older node', () => {
    const systemNode = '/usr/bin/node';
    const out = execFileSync(systemNode, [BIN, 'check', QUICKSTART], { encoding: 'utf8' });
    assert.match(out, /^ok: plan/);
  });
});
