import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { RevocationStore, RevokedToken } from '../lifecycle-types.ts';
import type { ChangeWatch } from './change-watch.ts';
import type { Migration } from './database.ts';

export const revocationMigrations: readonly Migration[] = [
  {
    id: '0004_revoked_tokens',
    sql: `CREATE TABLE revoked_tokens (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      jti TEXT NOT NULL UNIQUE,
      partner TEXT NOT NULL,
      expires_at INTEGER NOT NULL,
      revoked_at INTEGER NOT NULL
    );
    CREATE INDEX revoked_tokens_expiry ON revoked_tokens (expires_at);`,
  },
];

/**
 * Revoked access tokens in SQLite, mirrored in memory. Rows are only ever added (and
 * deleted once expired), so after another connection's change only the rows past the last
 * sequence number seen are read: a flood of unrelated writes costs one indexed query each.
 */
export class SqliteRevocationStore implements RevocationStore {
  readonly #watch: ChangeWatch;
  readonly #insert: StatementSync;
  readonly #since: StatementSync;
  readonly #purge: StatementSync;
  /** jti → expiry, epoch milliseconds. */
  readonly #revoked = new Map<string, number>();
  #lastSeq = 0;
  #stale = true;

  constructor(db: DatabaseSync, watch: ChangeWatch) {
    this.#watch = watch;
    watch.onChange(() => {
      this.#stale = true;
    });
    this.#insert = db.prepare(
      'INSERT OR IGNORE INTO revoked_tokens (jti, partner, expires_at, revoked_at) VALUES (?, ?, ?, ?)',
    );
    this.#since = db.prepare('SELECT seq, jti, expires_at FROM revoked_tokens WHERE seq > ? ORDER BY seq');
    this.#purge = db.prepare('DELETE FROM revoked_tokens WHERE expires_at <= ?');
  }

  revoke(token: RevokedToken): void {
    this.#purge.run(token.revokedAt);
    this.#insert.run(token.jti, token.partner, token.expiresAt, token.revokedAt);
    for (const [jti, expiresAt] of this.#revoked) if (expiresAt <= token.revokedAt) this.#revoked.delete(jti);
    this.#stale = true;
  }

  isRevoked(jti: string): boolean {
    this.#watch.check();
    if (this.#stale) this.#catchUp();
    return this.#revoked.has(jti);
  }

  #catchUp(): void {
    this.#stale = false;
    for (const row of this.#since.all(this.#lastSeq)) {
      this.#revoked.set(String(row.jti), Number(row.expires_at));
      this.#lastSeq = Number(row.seq);
    }
  }
}
