import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { Agent, fetch as undiciFetch } from 'undici';
import { spawnCli } from '../support/child.ts';
import { contractFile, gatewayFile, PETS_OPENAPI, tempConfigDir } from '../support/config.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';
import { startRecordingUpstream } from '../support/upstream.ts';

const CLI = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const ALL_BUT_DELETE = ['listPets', 'createPet', 'listMyPets', 'getPet', 'getFile'];

describe('hot reload', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway();
  });
  after(() => t.close());

  const status = async (method: string, path: string) =>
    (await fetch(`${t.url}${path}`, { method, headers: { 'x-api-key': t.key } })).status;

  test('a valid change takes effect and an unchanged directory is not swapped', async () => {
    assert.equal(await status('DELETE', '/pets/1'), 403);
    t.config.write({ 'contracts/acme.yaml': contractFile('acme', [...ALL_BUT_DELETE, 'deletePet']) });
    const result = await t.gateway.reload();
    assert.ok(result.ok && result.changed);
    assert.equal(await status('DELETE', '/pets/1'), 200);
    const again = await t.gateway.reload();
    assert.ok(again.ok && !again.changed);
    const applied = t.stores.audit.recent(10).filter((e) => e.action === 'plan.applied');
    assert.equal(applied.at(-1)?.subject, result.version);
  });

  test('an invalid change is rejected with its errors and the current plan keeps serving', async () => {
    const version = t.gateway.plan.version;
    t.config.write({
      'contracts/acme.yaml': {
        ...contractFile('acme', ['listPets']),
        grants: [{ api: 'pets', operation: ['listPets'] }],
      },
    });
    const result = await t.gateway.reload();
    assert.equal(result.ok, false);
    assert.ok(!result.ok && result.issues.some((i) => i.path === 'grants[0].operation'));
    assert.equal(t.gateway.plan.version, version);
    assert.equal(t.stores.audit.recent(1)[0]?.action, 'plan.rejected');
    assert.equal(await status('DELETE', '/pets/1'), 200);
    assert.ok(t.logs.some((l) => l.includes('configuration change rejected')));
  });

  test('reloads in the middle of a steady load fail no request', async (context) => {
    t.config.write({ 'contracts/acme.yaml': contractFile('acme', ALL_BUT_DELETE) });
    await t.gateway.reload();
    const dispatcher = new Agent({ connections: 8 });
    let ok = 0;
    const failures: string[] = [];
    const deadline = performance.now() + 2500;
    const worker = async () => {
      while (performance.now() < deadline) {
        try {
          const res = await undiciFetch(`${t.url}/pets/7`, { headers: { 'x-api-key': t.key }, dispatcher });
          await res.arrayBuffer();
          if (res.status === 200) ok++;
          else failures.push(`status ${res.status}`);
        } catch (error) {
          failures.push(`${String(error)} ${String((error as Error).cause)}`);
        }
      }
    };
    const reloads = (async () => {
      let versions = 0;
      for (let i = 0; i < 8; i++) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        // Alternate between two plans that both serve the loaded operation.
        t.config.write({
          'contracts/acme.yaml': contractFile(
            'acme',
            i % 2 === 0 ? [...ALL_BUT_DELETE, 'deletePet'] : ALL_BUT_DELETE,
          ),
        });
        const r = await t.gateway.reload();
        if (r.ok && r.changed) versions++;
      }
      return versions;
    })();
    const [, swapped] = await Promise.all([Promise.all(Array.from({ length: 8 }, worker)), reloads]);
    await dispatcher.close();
    assert.equal(swapped, 8, 'not every reload swapped the plan');
    assert.deepEqual(failures.slice(0, 5), []);
    // Enough requests to span every swap; a throughput floor belongs in the benchmark.
    assert.ok(ok > 50, `only ${ok} requests completed`);
    context.diagnostic(`${ok} requests served across ${swapped} plan swaps, 0 failed`);
  });
});

describe('the start command', () => {
  test('reloads on a file change and on SIGHUP, and drains in-flight requests on SIGTERM', async () => {
    const upstream = await startRecordingUpstream((_req, res) => setTimeout(() => res.end('slow ok'), 600));
    const config = tempConfigDir({
      'portcullis.yaml': {
        ...gatewayFile({ upstreamUrl: upstream.url }),
        logging: { level: 'info' },
        reload: { watch: true },
      },
      'apis/pets.yaml': PETS_OPENAPI,
      'contracts/acme.yaml': contractFile('acme', ['listPets']),
    });
    const proc = spawnCli(['start', '--config', config.dir]);
    try {
      const listening = await proc.waitForLog((l) => l.msg === 'gateway listening');
      const url = String(listening.url);
      const issued = execFileSync(process.execPath, [
        CLI,
        'keys',
        'issue',
        '--partner',
        'acme',
        '--config',
        config.dir,
      ]);
      const key = /ptc_\S+/.exec(issued.toString())![0];
      const get = (path: string) => fetch(`${url}${path}`, { headers: { 'x-api-key': key } });

      assert.equal((await get('/pets/1')).status, 403);
      config.write({ 'contracts/acme.yaml': contractFile('acme', ['listPets', 'getPet']) });
      await proc.waitForLog((l) => l.msg === 'plan reloaded');
      assert.equal((await get('/pets/1')).status, 200);

      // SIGHUP, with a change made while the watch would also see it: either way one reload.
      config.write({ 'contracts/acme.yaml': contractFile('acme', ['listPets', 'getPet', 'listMyPets']) });
      proc.child.kill('SIGHUP');
      await proc.waitForLog(
        (l) => l.msg === 'plan reloaded' && proc.logs.filter((x) => x.msg === 'plan reloaded').length >= 2,
      );
      assert.equal((await get('/pets/mine')).status, 200);

      const inflight = get('/pets');
      await new Promise((resolve) => setTimeout(resolve, 150));
      const code = await proc.stop('SIGTERM');
      const res = await inflight;
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'slow ok');
      assert.equal(code, 0);
      await assert.rejects(fetch(`${url}/pets`));
    } finally {
      await proc.stop('SIGKILL');
      await upstream.close();
      config.remove();
    }
  });
});
