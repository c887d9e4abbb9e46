import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { createHeadSigner } from '../../../src/audit/head.ts';
import { AuditLog } from '../../../src/audit/log.ts';
import { consistencyProof, inclusionProof } from '../../../src/audit/proofs.ts';
import { verifyLog } from '../../../src/audit/verify.ts';
import { PostgresLogBackend } from '../../../src/store/postgres/audit-log.ts';
import { rfcLeafHash, rfcRoot, verifyConsistency, verifyInclusion } from '../../audit/rfc9162.ts';
import { sampleEvent } from '../../audit/support.ts';
import { runCli } from '../../support/cli.ts';
import { startTestGateway } from '../../support/gateway.ts';
import { type PostgresServer, startPostgres } from '../../support/postgres.ts';

const server = await startPostgres();
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const signer = createHeadSigner(privateKey);
const keys = new Map([[signer.keyId, publicKey]]);

/** One gateway instance's view of the shared log: its own pool, the fleet's key. */
function instance(url: string, everyEvents = 25) {
  const backend = new PostgresLogBackend(new pg.Pool({ connectionString: url, max: 2 }));
  const log = new AuditLog({
    backend,
    signer,
    clock: { now: () => Date.now() },
    heads: { everyEvents, everyMs: 3_600_000 },
    capacity: 10_000,
    maxBatch: 500,
  });
  return { backend, log };
}

describe('the audit log in PostgreSQL', {
  skip: server === undefined && 'PostgreSQL is not installed',
}, () => {
  const pgServer = server as PostgresServer;
  after(() => pgServer.remove());

  describe('one instance', () => {
    let url: string;
    before(async () => {
      url = await pgServer.createDatabase('single');
    });

    test('commits batches, signs heads, and verifies; proofs check out independently', async () => {
      const { backend, log } = instance(url);
      for (let i = 0; i < 120; i++) {
        log.append(sampleEvent(i));
        if (i % 10 === 9) await log.flush();
      }
      await log.flush();
      const report = await verifyLog(backend, [], keys);
      assert.deepEqual([report.ok, report.events], [true, 120]);
      const leaves = (await backend.leaves(0, 1000)).map((l) => rfcLeafHash(l.leaf));
      const head = (await backend.latestHead())!;
      assert.deepEqual(Buffer.from(head.root, 'base64'), rfcRoot(leaves.slice(0, head.size)));
      for (const seq of [0, 17, head.size - 1]) {
        const proof = await inclusionProof(backend, seq, head.size);
        const path = proof.path.map((p) => Buffer.from(p, 'base64'));
        assert.ok(
          verifyInclusion(seq, head.size, rfcLeafHash(proof.leaf), path, Buffer.from(head.root, 'base64')),
        );
      }
      const proof = await consistencyProof(backend, 30, 100);
      assert.ok(
        verifyConsistency(
          30,
          100,
          rfcRoot(leaves.slice(0, 30)),
          rfcRoot(leaves.slice(0, 100)),
          proof.path.map((p) => Buffer.from(p, 'base64')),
        ),
      );
      await log.close();
    });

    test('names a removed event', async () => {
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin.query('DELETE FROM audit_log WHERE seq = 42');
      await admin.end();
      const { backend } = instance(url);
      const report = await verifyLog(backend, [], keys);
      assert.deepEqual(report.problem && [report.problem.kind, report.problem.seq], ['removed', 42]);
      await backend.close();
    });
  });

  test('a gateway keeps its log in PostgreSQL when configured, and the CLI verifies it there', async () => {
    const url = await pgServer.createDatabase('configured');
    const t = await startTestGateway({ gateway: { extra: { audit: { postgres: { url } } } } });
    try {
      const r = await fetch(`${t.url}/pets`, { headers: { 'x-api-key': t.key } });
      await r.arrayBuffer();
      const exported = await runCli(['audit', 'export', '--config', t.config.dir]);
      assert.match(exported.stdout, new RegExp(r.headers.get('x-request-id')!));
      const verified = await runCli(['audit', 'verify', '--config', t.config.dir]);
      assert.equal(verified.code, 0, verified.stdout);
    } finally {
      await t.close();
    }
  });

  test('several instances append to one log at once without losing or forking events', async () => {
    const url = await pgServer.createDatabase('fleet');
    const fleet = [instance(url), instance(url), instance(url)];
    await Promise.all(
      fleet.map(async ({ log }, n) => {
        for (let i = 0; i < 200; i++) {
          log.append(sampleEvent(n * 1000 + i));
          if (i % 20 === 19) await log.flush();
        }
        await log.close();
      }),
    );
    const { backend } = instance(url);
    const report = await verifyLog(backend, [], keys);
    assert.deepEqual([report.ok, report.events, report.unsigned], [true, 600, 0]);
    const subjects = new Set(
      (await backend.leaves(0, 1000)).map((l) => (JSON.parse(l.leaf) as { subject: string }).subject),
    );
    assert.equal(subjects.size, 600);
    await backend.close();
  });

  test('holds events through a server outage and commits them, in order, once it is back', async () => {
    const url = await pgServer.createDatabase('outage');
    const { backend, log } = instance(url);
    await log.submit(sampleEvent(0));
    pgServer.stop();
    let waiting: (Promise<void> | undefined)[] = [];
    try {
      waiting = [1, 2, 3].map((i) => log.submit(sampleEvent(i)));
      const failed = new Promise<void>((resolve) => {
        const check = () => (log.stats().failures > 0 ? resolve() : setImmediate(check));
        check();
      });
      await failed;
      assert.equal(log.stats().queued, 3);
    } finally {
      pgServer.start();
    }
    await Promise.all(waiting);
    assert.equal(log.stats().queued, 0);
    const report = await verifyLog(backend, [], keys);
    assert.deepEqual([report.ok, report.events], [true, 4]);
    const order = (await backend.leaves(0, 10)).map(
      (l) => (JSON.parse(l.leaf) as { subject: string }).subject,
    );
    assert.deepEqual(order, ['key-0', 'key-1', 'key-2', 'key-3']);
    await log.close();
  });
});
