import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { AssertionReplayStore } from '../token-types.ts';
import type { Migration } from './database.ts';

export const assertionReplayMigrations: readonly Migration[] = [
  {
    id: '0007_used_client_assertions',
    sql: `CREATE TABLE used_client_assertions (
      client_id TEXT NOT NULL,
      jti TEXT NOT NULL,
      expires_at INTEGER NOT NULL,
      PRIMARY KEY (client_id, jti)
    );
    CREATE INDEX used_client_assertions_expiry ON used_client_assertions (expires_at);`,
  },
];

/**
 * Used client assertion ids in SQLite. The primary key makes "check and remember" one
 * atomic insert, whichever process sees the assertion first.
 */
export class SqliteAssertionReplayStore implements AssertionReplayStore {
  readonly #insert: StatementSync;
  readonly #purge: StatementSync;

  constructor(db: DatabaseSync) {
    this.#insert = db.prepare(
      'INSERT OR IGNORE INTO used_client_assertions (client_id, jti, expires_at) VALUES (?, ?, ?)',
    );
    this.#purge = db.prepare('DELETE FROM used_client_assertions WHERE expires_at <= ?');
  }

  remember(clientId: string, jti: string, expiresAt: number, now: number): boolean {
    this.#purge.run(now);
    return Number(this.#insert.run(clientId, jti, expiresAt).changes) === 1;
  }
}
