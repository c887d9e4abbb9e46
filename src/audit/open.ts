import { generateKeyPairSync } from 'node:crypto';
import { resolve } from 'node:path';
import pg from 'pg';
import type { Clock } from '../clock.ts';
import { systemClock } from '../clock.ts';
import type { StoreConfig } from '../store/config.ts';
import { MemoryLogBackend } from '../store/memory/audit-log.ts';
import { PostgresLogBackend } from '../store/postgres/audit-log.ts';
import { auditLogMigrations, SqliteLogBackend } from '../store/sqlite/audit-log.ts';
import { openDatabase } from '../store/sqlite/database.ts';
import type { LogBackend } from './backend.ts';
import type { AuditConfig } from './config.ts';
import { createHeadSigner } from './head.ts';
import { loadOrCreateSigningKey } from './keys.ts';
import { AuditLog } from './log.ts';
import { appendWitness } from './witness.ts';

/** Longest wait for another process's write lock on the SQLite log before a write is retried later. */
const SQLITE_BUSY_TIMEOUT_MS = 1000;

/** Files of the log, resolved against the configuration directory. */
export interface AuditPaths {
  readonly database: string;
  readonly signingKey: string;
  readonly witness: string;
  readonly trustedKeys: readonly string[];
}

export function auditPaths(audit: AuditConfig, baseDir: string): AuditPaths {
  return {
    database: resolve(baseDir, audit.path),
    signingKey: resolve(baseDir, audit.signingKey),
    witness: resolve(baseDir, audit.witness),
    trustedKeys: audit.trustedKeys.map((p) => resolve(baseDir, p)),
  };
}

/** Opens where the log is kept: PostgreSQL when configured, else SQLite, or memory with a memory store. */
export function openLogBackend(store: StoreConfig, audit: AuditConfig, baseDir: string): LogBackend {
  if (audit.postgres !== undefined) {
    return new PostgresLogBackend(
      new pg.Pool({ connectionString: audit.postgres.url, max: audit.postgres.connections }),
    );
  }
  if (store.kind === 'memory') return new MemoryLogBackend();
  const db = openDatabase(auditPaths(audit, baseDir).database, auditLogMigrations);
  db.exec(`PRAGMA busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  if (audit.fsync) db.exec('PRAGMA synchronous = FULL');
  return new SqliteLogBackend(db);
}

export interface OpenAuditLogOptions {
  readonly clock?: Clock | undefined;
  readonly onError?: ((error: unknown, what: string) => void) | undefined;
}

/**
 * The audit log of a configuration: its store, its signing key (an ephemeral one for a
 * memory store) and its witness file.
 */
export function openAuditLog(
  store: StoreConfig,
  audit: AuditConfig,
  baseDir: string,
  options: OpenAuditLogOptions = {},
): AuditLog {
  const paths = auditPaths(audit, baseDir);
  const memory = store.kind === 'memory' && audit.postgres === undefined;
  const key = memory ? generateKeyPairSync('ed25519').privateKey : loadOrCreateSigningKey(paths.signingKey);
  return new AuditLog({
    backend: openLogBackend(store, audit, baseDir),
    signer: createHeadSigner(key),
    clock: options.clock ?? systemClock,
    heads: audit.heads,
    capacity: audit.buffer,
    maxBatch: audit.maxBatch,
    commitWindowMs: audit.commitWindowMs,
    witness: memory ? undefined : (head) => appendWitness(paths.witness, head),
    onError: options.onError,
  });
}
