import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { LogBackend } from '../src/audit/backend.ts';
import type { AuditEventV1 } from '../src/audit/event.ts';
import { createHeadSigner } from '../src/audit/head.ts';
import { AuditLog } from '../src/audit/log.ts';
import { verifyLog } from '../src/audit/verify.ts';
import { PostgresLogBackend } from '../src/store/postgres/audit-log.ts';
import { auditLogMigrations, SqliteLogBackend } from '../src/store/sqlite/audit-log.ts';
import { openDatabase } from '../src/store/sqlite/database.ts';
import { startPostgres } from '../test/support/postgres.ts';

/** Events submitted per event-loop turn: what 1000 requests answered together would submit. */
const PER_TURN = 1000;

/** A decision event the size of a real one (~520 bytes as a line). */
function decision(i: number): AuditEventV1 {
  return {
    v: 1,
    kind: 'decision',
    action: 'request.allowed',
    at: 1_795_000_000_000 + i,
    actor: 'partner:bench',
    partner: 'bench',
    subject: 'orders.getOrder',
    decisionId: `0b6c1f4e-2d1a-4c9e-9b7f-${String(i).padStart(12, '0')}`,
    plan: '586ecf88f1c41390',
    request: {
      outcome: 'allow',
      method: 'GET',
      operation: 'orders.getOrder',
      application: 'default',
      credential: 'k3j5x2q9w8r4',
      status: 200,
      latencyMs: 1.234,
      upstreamStatus: 200,
      client: '127.0.0.1',
      traceId: '0b6c1f4e2d1a4c9e9b7f000000000000',
    },
  };
}

const signer = createHeadSigner(generateKeyPairSync('ed25519').privateKey);
const keys = new Map([[signer.keyId, signer.publicKey]]);

/** Appends `count` events as a busy gateway would (a turn's worth at a time); events/s. */
async function appendRate(backend: LogBackend, count: number): Promise<number> {
  const log = new AuditLog({
    backend,
    signer,
    clock: { now: Date.now },
    heads: { everyEvents: 1000, everyMs: 10_000 },
    capacity: 1_000_000,
    maxBatch: 2000,
  });
  const events = Array.from({ length: count }, (_, i) => decision(i));
  const started = performance.now();
  for (let i = 0; i < count; i += PER_TURN) {
    let last: Promise<void> | undefined;
    for (let j = i; j < Math.min(count, i + PER_TURN); j++) last = log.submit(events[j]!);
    await last;
  }
  const rate = count / ((performance.now() - started) / 1000);
  await log.close();
  return rate;
}

async function verifyRate(backend: LogBackend): Promise<number> {
  const started = performance.now();
  const report = await verifyLog(backend, [], keys);
  if (!report.ok) throw new Error(`benchmark log does not verify: ${report.problem?.message}`);
  return report.events / ((performance.now() - started) / 1000);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function row(name: string, rate: number, target?: number): string {
  const verdict =
    target === undefined
      ? ''
      : rate >= target
        ? `  (target ≥ ${target}: met)`
        : `  (target ≥ ${target}: MISSED)`;
  return `${name.padEnd(34)} ${rate.toFixed(0).padStart(9)} events/s${verdict}`;
}

/**
 * The audit log's own figures: appends per second to SQLite and PostgreSQL, and offline
 * verification speed, each the median of `rounds` runs.
 */
export async function benchAuditLog(rounds: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-bench-audit-'));
  const sqliteCount = 200_000;
  const appends: number[] = [];
  const verifies: number[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      const path = join(dir, `audit-${round}.db`);
      appends.push(
        await appendRate(new SqliteLogBackend(openDatabase(path, auditLogMigrations)), sqliteCount),
      );
      const reader = new SqliteLogBackend(openDatabase(path, auditLogMigrations));
      verifies.push(await verifyRate(reader));
      reader.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    `\naudit log (${sqliteCount} events of ~520 bytes, ${PER_TURN} per event-loop turn; medians of ${rounds})`,
  );
  console.log(row('append, SQLite', median(appends), 50_000));
  console.log(row('verify (SQLite log)', median(verifies), 200_000));

  const server = await startPostgres();
  if (server === undefined) {
    console.log('append, PostgreSQL                 skipped: PostgreSQL is not installed');
    return;
  }
  try {
    const pgAppends: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const url = await server.createDatabase(`bench${round}`);
      pgAppends.push(
        await appendRate(new PostgresLogBackend(new pg.Pool({ connectionString: url, max: 2 })), 50_000),
      );
    }
    console.log(row('append, PostgreSQL (fsync off)', median(pgAppends)));
  } finally {
    server.remove();
  }
}
