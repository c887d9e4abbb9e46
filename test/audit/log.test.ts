import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { AuditLog } from '../../src/audit/log.ts';
import { verifyLog } from '../../src/audit/verify.ts';
import { MemoryLogBackend } from '../../src/store/memory/audit-log.ts';
import { auditLogMigrations, SqliteLogBackend } from '../../src/store/sqlite/audit-log.ts';
import { openDatabase } from '../../src/store/sqlite/database.ts';
import { sampleEvent, testLog } from './support.ts';

describe('AuditLog', () => {
  test('commits what was submitted in one turn as one batch, in order', async () => {
    const backend = new MemoryLogBackend();
    const { log } = testLog({ backend });
    const committed = [0, 1, 2].map((i) => log.submit(sampleEvent(i)));
    assert.equal(backend.size(), 0, 'nothing is written on the submitting turn');
    await Promise.all(committed);
    assert.deepEqual(
      backend.leaves(0, 10).map((l) => (JSON.parse(l.leaf) as { subject: string }).subject),
      ['key-0', 'key-1', 'key-2'],
    );
  });

  test('refuses submissions and counts dropped appends once the buffer is full', () => {
    const { log } = testLog({ capacity: 2 });
    assert.ok(log.submit(sampleEvent(0)));
    log.append(sampleEvent(1));
    assert.equal(log.hasRoom(), false);
    assert.equal(log.submit(sampleEvent(2)), undefined);
    log.append(sampleEvent(3));
    assert.deepEqual([log.stats().queued, log.stats().dropped], [2, 1]);
  });

  test('signs a head when enough events are uncovered, when asked after the interval, and on close', async () => {
    const backend = new MemoryLogBackend();
    let now = 1_000;
    const log = new AuditLog({
      backend,
      signer: testLog().signer,
      clock: { now: () => now },
      heads: { everyEvents: 3, everyMs: 500 },
      capacity: 100,
      maxBatch: 100,
    });
    for (let i = 0; i < 3; i++) log.append(sampleEvent(i));
    await log.flush();
    assert.deepEqual(
      backend.heads(-1, 10).map((h) => h.size),
      [3],
    );
    log.append(sampleEvent(3));
    await log.flush();
    assert.equal(await log.signHead(false), undefined, 'no head before the interval has passed');
    now += 500;
    assert.equal((await log.signHead(false))?.size, 4);
    log.append(sampleEvent(4));
    await log.close();
    assert.equal(backend.latestHead()?.size, 5);
  });

  test('processes sharing a SQLite file append to one log that verifies', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-audit-'));
    try {
      const open = () => new SqliteLogBackend(openDatabase(join(dir, 'audit.db'), auditLogMigrations));
      const a = testLog({ backend: open(), everyEvents: 7 });
      const b = new AuditLog({
        backend: open(),
        signer: a.signer,
        clock: { now: Date.now },
        heads: { everyEvents: 5, everyMs: 3_600_000 },
        capacity: 1000,
        maxBatch: 1000,
      });
      for (let i = 0; i < 40; i++) {
        (i % 2 === 0 ? a.log : b).append(sampleEvent(i));
        if (i % 3 === 0) await Promise.all([a.log.flush(), b.flush()]);
      }
      await Promise.all([a.log.close(), b.close()]);
      const reader = open();
      const report = await verifyLog(reader, [], a.keys);
      assert.deepEqual([report.ok, report.events, report.unsigned], [true, 40, 0]);
      reader.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
