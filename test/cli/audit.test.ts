import assert from 'node:assert/strict';
import { hash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { DEFAULT_AUDIT_CONFIG } from '../../src/audit/config.ts';
import { openStores } from '../../src/store/open.ts';
import { sampleEvent } from '../audit/support.ts';
import { runCli } from '../support/cli.ts';
import { gatewayFile, PETS_OPENAPI, type TempDir, tempConfigDir } from '../support/config.ts';

const EVENTS = 50;
/** With a head every 10 events, written in batches of 5. */
const AUDIT = { heads: { everyEvents: 10, everyMs: 3_600_000 } };

/** A configuration directory whose audit log (data/audit.db) holds EVENTS events. */
async function logWithEvents(): Promise<TempDir> {
  const config = tempConfigDir({
    'portcullis.yaml': gatewayFile({ upstreamUrl: 'http://127.0.0.1:9', extra: { audit: AUDIT } }),
    'apis/pets.yaml': PETS_OPENAPI,
  });
  const stores = openStores({ kind: 'sqlite', path: 'data/portcullis.db' }, config.dir, {
    ...DEFAULT_AUDIT_CONFIG,
    ...AUDIT,
  });
  for (let i = 0; i < EVENTS; i++) {
    stores.audit.append(sampleEvent(i));
    if (i % 5 === 4) await stores.audit.flush();
  }
  await stores.close();
  return config;
}

async function verify(dir: string) {
  const r = await runCli(['audit', 'verify', '--config', dir, '--json']);
  return {
    code: r.code,
    report: JSON.parse(r.stdout) as { ok: boolean; problem?: { kind: string; seq: number } },
  };
}

/** Opens the log's database as an operator with direct access would. */
function tamper(dir: string, work: (db: DatabaseSync) => void): void {
  const db = new DatabaseSync(join(dir, 'data/audit.db'));
  try {
    work(db);
  } finally {
    db.close();
  }
}

const leafAt = (db: DatabaseSync, seq: number) =>
  String((db.prepare('SELECT leaf FROM audit_log WHERE seq = ?').get(seq) as { leaf: string }).leaf);
const b64LeafHash = (leaf: string) => hash('sha256', `\u0000${leaf}`, 'base64');

describe('portcullis audit verify', () => {
  let config: TempDir;
  beforeEach(async () => {
    config = await logWithEvents();
  });
  afterEach(() => config.remove());

  test('accepts an untouched log, every event covered by signed heads', async () => {
    const { code, report } = await verify(config.dir);
    assert.equal(code, 0);
    assert.deepEqual(
      { ok: report.ok, events: (report as { events?: number }).events },
      { ok: true, events: EVENTS },
    );
  });

  test('names the event whose content was modified', async () => {
    tamper(config.dir, (db) => {
      const leaf = leafAt(db, 17).replace('"partner":"acme"', '"partner":"evil"');
      db.prepare('UPDATE audit_log SET leaf = ? WHERE seq = 17').run(leaf);
    });
    const { code, report } = await verify(config.dir);
    assert.equal(code, 1);
    assert.deepEqual(report.problem && [report.problem.kind, report.problem.seq], ['modified', 17]);
  });

  test('names an event that was removed, even when the rest is renumbered', async () => {
    tamper(config.dir, (db) => {
      db.exec('DELETE FROM audit_log WHERE seq = 30');
      db.exec('UPDATE audit_log SET seq = seq - 1 WHERE seq > 30');
    });
    const { report } = await verify(config.dir);
    assert.deepEqual(report.problem && [report.problem.kind, report.problem.seq], ['removed', 30]);
  });

  test('names a forged event inserted in the middle with a correct-looking chain', async () => {
    tamper(config.dir, (db) => {
      const forged = `{"seq":20,"prev":"${b64LeafHash(leafAt(db, 19))}","v":1,"kind":"credential","action":"api_key.revoked","at":1,"actor":"test"}`;
      db.exec('UPDATE audit_log SET seq = -seq - 1 WHERE seq >= 20');
      db.exec('UPDATE audit_log SET seq = -seq WHERE seq < 0');
      db.prepare('INSERT INTO audit_log (seq, leaf) VALUES (20, ?)').run(forged);
    });
    const { report } = await verify(config.dir);
    assert.deepEqual(report.problem && [report.problem.kind, report.problem.seq], ['inserted', 20]);
  });

  test('names events that were swapped', async () => {
    tamper(config.dir, (db) => {
      const a = leafAt(db, 12);
      const b = leafAt(db, 13);
      db.prepare('UPDATE audit_log SET leaf = ? WHERE seq = 12').run(b);
      db.prepare('UPDATE audit_log SET leaf = ? WHERE seq = 13').run(a);
    });
    const { report } = await verify(config.dir);
    assert.deepEqual(report.problem && [report.problem.kind, report.problem.seq], ['reordered', 12]);
  });

  test('catches a truncation hidden in the store through the witness file', async () => {
    tamper(config.dir, (db) => {
      db.exec('DELETE FROM audit_log WHERE seq >= 40');
      db.exec('DELETE FROM audit_heads WHERE size > 40');
      db.exec('UPDATE audit_state SET size = 40');
    });
    const { report } = await verify(config.dir);
    assert.deepEqual(report.problem && [report.problem.kind, report.problem.seq], ['truncated', 40]);
  });

  test('catches a tail rewritten with a consistent chain through the signed heads', async () => {
    tamper(config.dir, (db) => {
      let prev = b64LeafHash(leafAt(db, 32));
      for (let seq = 33; seq < EVENTS; seq++) {
        const body = leafAt(db, seq).replace(/"prev":"[^"]+"/, `"prev":"${prev}"`);
        const leaf = seq === 33 ? body.replace('"actor":"test"', '"actor":"someone-else"') : body;
        db.prepare('UPDATE audit_log SET leaf = ? WHERE seq = ?').run(leaf, seq);
        prev = b64LeafHash(leaf);
      }
    });
    const { report } = await verify(config.dir);
    assert.deepEqual(report.problem && [report.problem.kind, report.problem.seq], ['modified', 30]);
  });

  test('refuses a head that is not signed by the trusted key', async () => {
    tamper(config.dir, (db) => {
      const row = db.prepare('SELECT head FROM audit_heads WHERE size = 20').get() as { head: string };
      const head = JSON.parse(row.head) as { root: string };
      head.root = Buffer.alloc(32, 7).toString('base64');
      db.prepare('UPDATE audit_heads SET head = ? WHERE size = 20').run(JSON.stringify(head));
    });
    const { report } = await verify(config.dir);
    assert.equal(report.problem?.kind, 'head_invalid');
  });

  test('refuses a witness head signed by another key', async () => {
    const witness = join(config.dir, 'data/audit-witness.jsonl');
    const lines = readFileSync(witness, 'utf8').trim().split('\n');
    const last = JSON.parse(lines.at(-1)!) as { key: string };
    last.key = '0000000000000000';
    writeFileSync(witness, `${[...lines, JSON.stringify(last)].join('\n')}\n`);
    const { report } = await verify(config.dir);
    assert.equal(report.problem?.kind, 'head_invalid');
  });

  test('export writes every event line, exactly as hashed', async () => {
    const r = await runCli(['audit', 'export', '--config', config.dir]);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, EVENTS);
    assert.deepEqual(
      lines.map((l) => (JSON.parse(l) as { seq: number }).seq),
      Array.from({ length: EVENTS }, (_, i) => i),
    );
    tamper(config.dir, (db) => assert.equal(leafAt(db, 7), lines[7]));
  });
});

describe('portcullis admin token', () => {
  test('prints a token once and an entry holding only its hash and roles', async () => {
    const r = await runCli(['admin', 'token', '--id', 'ops', '--roles', 'auditor,metrics']);
    assert.equal(r.code, 0, r.stderr);
    const token = /pca_[A-Za-z0-9_-]{43}/.exec(r.stdout)![0];
    assert.match(r.stdout, new RegExp(`sha256: ${hash('sha256', token, 'hex')}`));
    assert.match(r.stdout, /roles: \[auditor, metrics\]/);
  });

  test('refuses an unknown role', async () => {
    const r = await runCli(['admin', 'token', '--id', 'ops', '--roles', 'root']);
    assert.equal(r.code, 2);
  });
});
