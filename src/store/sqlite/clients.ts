import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { JWK } from 'jose';
import type { ClientRecord, ClientStore } from '../token-types.ts';
import { type ChangeWatch, RecordCache } from './change-watch.ts';
import type { Migration } from './database.ts';

export const clientMigrations: readonly Migration[] = [
  {
    id: '0005_oauth_clients',
    sql: `CREATE TABLE oauth_clients (
      id TEXT PRIMARY KEY,
      partner TEXT NOT NULL,
      application TEXT NOT NULL,
      label TEXT,
      secret_sha256 TEXT,
      previous_secret_sha256 TEXT,
      previous_secret_expires_at INTEGER,
      keys TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      revoked_at INTEGER
    );
    CREATE INDEX oauth_clients_partner ON oauth_clients (partner);`,
  },
];

type Row = Record<string, unknown>;

const optional = (value: unknown) => (value === null ? undefined : value);

function toRecord(row: Row): ClientRecord {
  return {
    id: String(row.id),
    partner: String(row.partner),
    application: String(row.application),
    label: optional(row.label) as string | undefined,
    secretSha256: optional(row.secret_sha256) as string | undefined,
    previousSecretSha256: optional(row.previous_secret_sha256) as string | undefined,
    previousSecretExpiresAt:
      row.previous_secret_expires_at === null ? undefined : Number(row.previous_secret_expires_at),
    keys: JSON.parse(String(row.keys)) as JWK[],
    createdAt: Number(row.created_at),
    revokedAt: row.revoked_at === null ? undefined : Number(row.revoked_at),
  };
}

/**
 * OAuth2 clients in SQLite. `find` serves from a cache dropped whenever another connection
 * changed the database (see `ChangeWatch`), so `portcullis clients revoke` run anywhere
 * takes effect on the next request.
 */
export class SqliteClientStore implements ClientStore {
  readonly #cache: RecordCache<ClientRecord>;
  readonly #insert: StatementSync;
  readonly #find: StatementSync;
  readonly #listAll: StatementSync;
  readonly #listPartner: StatementSync;
  readonly #update: StatementSync;
  readonly #revoke: StatementSync;
  readonly #load = (id: string) => {
    const row = this.#find.get(id) as Row | undefined;
    return row === undefined ? undefined : toRecord(row);
  };

  constructor(db: DatabaseSync, watch: ChangeWatch) {
    this.#cache = new RecordCache(watch);
    this.#insert = db.prepare(
      `INSERT INTO oauth_clients (id, partner, application, label, secret_sha256, previous_secret_sha256,
        previous_secret_expires_at, keys, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#find = db.prepare('SELECT * FROM oauth_clients WHERE id = ?');
    this.#listAll = db.prepare('SELECT * FROM oauth_clients ORDER BY partner, created_at');
    this.#listPartner = db.prepare('SELECT * FROM oauth_clients WHERE partner = ? ORDER BY created_at');
    this.#update = db.prepare(
      `UPDATE oauth_clients SET secret_sha256 = ?, previous_secret_sha256 = ?, previous_secret_expires_at = ?,
        keys = ? WHERE id = ?`,
    );
    this.#revoke = db.prepare('UPDATE oauth_clients SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');
  }

  insert(r: ClientRecord): void {
    this.#cache.delete(r.id);
    this.#insert.run(
      r.id,
      r.partner,
      r.application,
      r.label ?? null,
      r.secretSha256 ?? null,
      r.previousSecretSha256 ?? null,
      r.previousSecretExpiresAt ?? null,
      JSON.stringify(r.keys),
      r.createdAt,
      r.revokedAt ?? null,
    );
  }

  find(id: string): ClientRecord | undefined {
    return this.#cache.get(id, this.#load);
  }

  list(filter?: { partner?: string | undefined }): ClientRecord[] {
    const rows = filter?.partner === undefined ? this.#listAll.all() : this.#listPartner.all(filter.partner);
    return (rows as Row[]).map(toRecord);
  }

  update(r: ClientRecord): void {
    this.#cache.delete(r.id);
    this.#update.run(
      r.secretSha256 ?? null,
      r.previousSecretSha256 ?? null,
      r.previousSecretExpiresAt ?? null,
      JSON.stringify(r.keys),
      r.id,
    );
  }

  revoke(id: string, at: number): boolean {
    this.#cache.delete(id);
    return Number(this.#revoke.run(at, id).changes) > 0;
  }
}
