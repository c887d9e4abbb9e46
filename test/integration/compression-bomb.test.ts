import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { createKeyService } from '../../src/services/keys/service.ts';
import { openStores } from '../../src/store/open.ts';
import { type GatewayProcess, spawnCli } from '../support/child.ts';
import { contractFile, gatewayFile, type TempDir, tempConfigDir } from '../support/config.ts';
import { SHOP_OPENAPI, SHOP_OPERATIONS } from '../support/shop.ts';
import { type RecordingUpstream, startRecordingUpstream } from '../support/upstream.ts';

const MB = 1024 * 1024;
/** 64 MiB of zeros gzips to ~64 KB; 160 gzip members in a row are one valid 10 GiB stream. */
const MEMBER = gzipSync(Buffer.alloc(64 * MB));
const MEMBERS = 160;
/** The gateway's peak memory may not grow by more than this while it meets the bomb. */
const BOUND_MB = 48;

/** Peak and current resident memory of a process, in MiB (Linux /proc). */
function memoryOf(pid: number): { peak: number; now: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status)![1]) / 1024;
  return { peak: kb('VmHWM'), now: kb('VmRSS') };
}

/** Streams the bomb (~10 MB on the wire, 10 GiB decoded) chunked; resolves with the status. */
function sendBomb(port: number, key: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/notes',
      headers: { 'x-api-key': key, 'content-type': 'text/plain', 'content-encoding': 'gzip' },
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    // The gateway answers and closes while we are still sending: that is the point.
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
    });
    let sent = 0;
    const pump = () => {
      while (sent < MEMBERS && !req.destroyed) {
        sent++;
        if (!req.write(MEMBER)) return void req.once('drain', pump);
      }
      if (!req.destroyed) req.end();
    };
    pump();
  });
}

describe('a compression bomb (10 MB → 10 GiB)', () => {
  let config: TempDir;
  let upstream: RecordingUpstream;
  let gateway: GatewayProcess;
  let port: number;
  const keys: Record<string, string> = {};
  before(async () => {
    upstream = await startRecordingUpstream();
    config = tempConfigDir({
      'portcullis.yaml': gatewayFile({ upstreamUrl: upstream.url, extra: { logging: { level: 'info' } } }),
      'apis/pets.yaml': SHOP_OPENAPI,
      // The default ratio cap stops it early; with the cap lifted, the absolute cap must.
      'contracts/ratio.yaml': contractFile('ratio', SHOP_OPERATIONS, { content: { encodings: ['gzip'] } }),
      'contracts/absolute.yaml': contractFile('absolute', SHOP_OPERATIONS, {
        content: { encodings: ['gzip'], maxBodyBytes: 8 * MB, maxCompressionRatio: 100000 },
      }),
    });
    const stores = openStores({ kind: 'sqlite', path: 'data/portcullis.db' }, config.dir);
    const service = createKeyService({
      store: stores.apiKeys,
      audit: stores.audit,
      clock: Date,
      actor: 'test',
    });
    for (const partner of ['ratio', 'absolute']) keys[partner] = service.issue({ partner }).key;
    stores.close();
    gateway = spawnCli(['start', '--config', config.dir]);
    const listening = await gateway.waitForLog((line) => line.msg === 'gateway listening');
    port = Number(new URL(String(listening.url)).port);
  });
  after(async () => {
    await gateway.stop('SIGKILL');
    await upstream.close();
    config.remove();
  });

  test('is refused with 413 while the gateway memory stays within a small bound', async (context) => {
    const warm = await fetch(`http://127.0.0.1:${port}/notes`, {
      method: 'POST',
      headers: { 'x-api-key': keys.ratio!, 'content-type': 'text/plain', 'content-encoding': 'gzip' },
      body: gzipSync('warm up'),
    });
    assert.equal(warm.status, 200);
    const pid = gateway.child.pid!;
    const baseline = memoryOf(pid);
    for (const partner of ['ratio', 'absolute']) {
      assert.equal(await sendBomb(port, keys[partner]!), 413, partner);
    }
    const peak = memoryOf(pid).peak;
    context.diagnostic(
      `peak RSS ${baseline.peak.toFixed(1)} → ${peak.toFixed(1)} MiB for 2 × ${((MEMBER.length * MEMBERS) / MB).toFixed(1)} MiB on the wire`,
    );
    assert.ok(
      peak - baseline.peak < BOUND_MB,
      `peak RSS grew by ${(peak - baseline.peak).toFixed(1)} MiB (from ${baseline.peak.toFixed(1)} MiB)`,
    );
    assert.equal(upstream.requests.length, 1, 'only the warm-up request was forwarded');
    await gateway.waitForLog((line) => line.code === 'body_too_large' && line.partner === 'absolute');
    const denials = gateway.logs.filter((line) => line.code === 'body_too_large');
    assert.deepEqual(
      denials.map((line) => line.partner),
      ['ratio', 'absolute'],
    );
  });
});
