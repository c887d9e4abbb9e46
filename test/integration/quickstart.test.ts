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
        .replaceAll('127.0.0.1:8099', `127.0.0.1:${port}`),
    );
    const proc = spawnCli(['start', '--config', copy.dir, '--demo']);
    try {
      await proc.waitForStderr(/Stop with Ctrl-C/);
      const banner = proc.stderr().split('\n');
      const allCurls = banner.filter((l) => l.trim().startsWith('curl '));
      // The API-key section: list, create, delete (403), no key (401), usage; then the content checks.
      const curls = allCurls.slice(0, 5);
      const contentCurls = allCurls.slice(5, 8);
      assert.ok(curls[4]!.includes('/portcullis/v1/usage'));
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
      const usage = JSON.parse((await sh('sh', ['-c', command(curls[4]!)])).stdout);
      assert.equal(usage.partner, 'demo-partner');
      assert.deepEqual(
        usage.limits.map((l: { name: string }) => l.name),
        ['rate', 'quota-day', 'concurrency'],
      );

      // The content checks: a wrong body lists its violations, a text body and an oversized one are refused.
      const invalid = JSON.parse((await sh('sh', ['-c', command(contentCurls[0]!)])).stdout) as {
        code: string;
        violations: { pointer: string; rule: string }[];
      };
      assert.equal(invalid.code, 'request_invalid');
      assert.deepEqual(
        new Set(invalid.violations.map((v) => `${v.rule} ${v.pointer}`)),
        new Set(['minLength /body/item', 'minimum /body/quantity', 'additionalProperties /body/colour']),
      );
      assert.equal(
        JSON.parse((await sh('sh', ['-c', command(contentCurls[1]!)])).stdout).code,
        'media_type_unsupported',
      );
      assert.equal(
        JSON.parse((await sh('sh', ['-c', command(contentCurls[2]!)])).stdout).code,
        'body_too_large',
      );

      // The token flow, exactly as printed: ask for a token, then use it, in one shell.
      const start = banner.findIndex((l) => l.includes('/oauth2/token') && l.trim().startsWith('curl '));
      const [tokenCurl, assign, read, write] = banner.slice(start, start + 4).map(command);
      const issued = JSON.parse((await sh('sh', ['-c', tokenCurl!])).stdout) as Record<string, unknown>;
      assert.deepEqual([issued.token_type, issued.expires_in, issued.scope], ['Bearer', 300, 'orders:read']);
      const withToken = JSON.parse((await sh('sh', ['-c', `${assign}\n${read}`])).stdout) as {
        servedTo: string;
      };
      assert.equal(withToken.servedTo, 'demo-partner');
      assert.equal(
        JSON.parse((await sh('sh', ['-c', `${assign}\n${write}`])).stdout).code,
        'insufficient_scope',
      );

      // Last, as it uses up the burst: hammering past the rate limit yields 429s.
      const hammer = banner.find((l) => l.trim().startsWith('for i in'))!;
      const codes = (await sh('sh', ['-c', hammer.trim()])).stdout.trim().split(' ');
      assert.equal(codes.length, 40);
      assert.ok(codes.includes('429'), `no 429 in ${codes.join(' ')}`);
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
        const clientOf = (text: string) => /-u '(pcl_[^']+)'/.exec(text)?.[1];
        assert.equal(clientOf(again.stderr()), clientOf(tokenCurl!), 'the demo client survives a restart');
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
