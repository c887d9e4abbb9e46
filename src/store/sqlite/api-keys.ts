import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { ApiKeyRecord, ApiKeyStore } from '../types.ts';
import { type ChangeWatch, RecordCache } from './change-watch.ts';
import type { Migration } from './database.ts';

export const apiKeyMigrations: readonly Migration[] = [
  {
    id: '0001_api_keys',
    sql: `CREATE TABLE api_keys (
      id TEXT PRIMARY KEY,
      partner TEXT NOT NULL,
      application TEXT NOT NULL,
      sha256 TEXT NOT NULL,
      label TEXT,
      created_at INTEGER NOT NULL,
      expires_at INTEGER,
      revoked_at INTEGER
    );
    CREATE INDEX api_keys_partner ON api_keys (partner);`,
  },
];

type Row = Record<string, unknown>;

function toRecord(row: Row): ApiKeyRecord {
  return {
    id: row.id as string,
    partner: row.partner as string,
    application: row.application as string,
    sha256: row.sha256 as string,
    label: (row.label as string | null) ?? undefined,
    createdAt: Number(row.created_at),
    expiresAt: row.expires_at === null ? undefined : Number(row.expires_at),
    revokedAt: row.revoked_at === null ? undefined : Number(row.revoked_at),
  };
}

/**
 * API keys in SQLite. `find` serves from a cache of records that is dropped whenever the
 * change watch says another connection (e.g. `portcullis keys revoke`) changed the
 * database, so a revocation by any process is seen on the next request.
 */
export class SqliteApiKeyStore implements ApiKeyStore {
  readonly #cache: RecordCache<ApiKeyRecord>;
  readonly #insert: StatementSync;
  readonly #find: StatementSync;
  readonly #listAll: StatementSync;
  readonly #listPartner: StatementSync;
  readonly #revoke: StatementSync;
  readonly #load = (id: string) => {
    const row = this.#find.get(id) as Row | undefined;
    return row === undefined ? undefined : toRecord(row);
  };

  constructor(db: DatabaseSync, watch: ChangeWatch) {
    this.#cache = new RecordCache(watch);
    this.#insert = db.prepare(
      'INSERT INTO api_keys (id, partner, application, sha256, label, created_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.#find = db.prepare('SELECT * FROM api_keys WHERE id = ?');
    this.#listAll = db.prepare('SELECT * FROM api_keys ORDER BY partner, created_at');
    this.#listPartner = db.prepare('SELECT * FROM api_keys WHERE partner = ? ORDER BY created_at');
    this.#revoke = db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');
  }

  insert(r: ApiKeyRecord): void {
    this.#cache.delete(r.id);
    this.#insert.run(
      r.id,
      r.partner,
      r.application,
      r.sha256,
      r.label ?? null,
      r.createdAt,
      r.expiresAt ?? null,
      r.revokedAt ?? null,
    );
  }

  find(id: string): ApiKeyRecord | undefined {
    return this.#cache.get(id, this.#load);
  }

  list(filter?: { partner?: string | undefined }): ApiKeyRecord[] {
    const rows = filter?.partner === undefined ? this.#listAll.all() : this.#listPartner.all(filter.partner);
    return (rows as Row[]).map(toRecord);
  }

  revoke(id: string, at: number): boolean {
    this.#cache.delete(id);
    return Number(this.#revoke.run(at, id).changes) > 0;
  }
}
