import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Agent, request } from 'undici';
import { createKeyService } from '../../src/services/keys/service.ts';
import { openStores } from '../../src/store/open.ts';
import { type GatewayProcess, spawnCli } from '../support/child.ts';
import { runCli } from '../support/cli.ts';
import { contractFile, gatewayFile, PETS_OPENAPI, type TempDir, tempConfigDir } from '../support/config.ts';
import { type RecordingUpstream, startRecordingUpstream } from '../support/upstream.ts';

const WORKERS = 16;
/** Answers to collect before the kill; the load goes on while the process dies. */
const ANSWERS_BEFORE_KILL = 400;

describe('kill -9 under load', () => {
  let upstream: RecordingUpstream;
  let config: TempDir;
  let child: GatewayProcess;
  let key: string;

  before(async () => {
    upstream = await startRecordingUpstream();
    config = tempConfigDir({
      'portcullis.yaml': gatewayFile({ upstreamUrl: upstream.url, extra: { logging: { level: 'info' } } }),
      'apis/pets.yaml': PETS_OPENAPI,
      'contracts/acme.yaml': contractFile('acme', ['listPets', 'getPet']),
    });
    const stores = openStores({ kind: 'sqlite', path: 'data/portcullis.db' }, config.dir);
    key = createKeyService({
      store: stores.apiKeys,
      audit: stores.audit,
      clock: { now: Date.now },
      actor: 'test',
    }).issue({
      partner: 'acme',
    }).key;
    await stores.close();
  });
  after(async () => {
    await child?.stop('SIGKILL');
    await upstream.close();
    config.remove();
  });

  test('loses no audit event of a request that was answered', async () => {
    child = spawnCli(['start', '--config', config.dir]);
    const listening = await child.waitForLog((l) => l.msg === 'gateway listening');
    const url = String(listening.url);
    const agent = new Agent({ connections: WORKERS });
    const answered: string[] = [];
    let killed = false;
    const worker = async (n: number) => {
      for (let i = 0; !killed; i++) {
        try {
          const r = await request(`${url}/pets/${n}-${i}`, {
            headers: { 'x-api-key': key },
            dispatcher: agent,
          });
          await r.body.arrayBuffer();
          answered.push(String(r.headers['x-request-id']));
          if (answered.length === ANSWERS_BEFORE_KILL && !killed) {
            killed = true;
            child.child.kill('SIGKILL');
          }
        } catch {
          if (killed) return;
        }
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, (_, n) => worker(n)));
    await agent.close();
    await child.stop('SIGKILL');
    assert.ok(answered.length >= ANSWERS_BEFORE_KILL);

    const exported = await runCli(['audit', 'export', '--config', config.dir]);
    const recorded = new Set(
      exported.stdout
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { decisionId?: string }).decisionId),
    );
    const lost = answered.filter((id) => !recorded.has(id));
    assert.deepEqual(lost, [], `${lost.length} of ${answered.length} answered requests have no audit event`);

    const verified = await runCli(['audit', 'verify', '--config', config.dir, '--json']);
    assert.equal(verified.code, 0, verified.stdout);
  });
});
