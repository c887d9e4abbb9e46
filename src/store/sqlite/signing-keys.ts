import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { JWK } from 'jose';
import type { SigningKeyRecord, SigningKeyState, SigningKeyStore } from '../token-types.ts';
import type { ChangeWatch } from './change-watch.ts';
import type { Migration } from './database.ts';
import { inTransaction } from './transaction.ts';

export const signingKeyMigrations: readonly Migration[] = [
  {
    id: '0006_signing_keys',
    sql: `CREATE TABLE signing_keys (
      kid TEXT PRIMARY KEY,
      alg TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('next', 'current', 'previous')),
      public_jwk TEXT NOT NULL,
      sealed_private_key TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      activated_at INTEGER,
      retire_at INTEGER
    );`,
  },
];

type Row = Record<string, unknown>;

function toRecord(row: Row): SigningKeyRecord {
  return {
    kid: String(row.kid),
    alg: String(row.alg),
    state: row.state as SigningKeyState,
    publicJwk: JSON.parse(String(row.public_jwk)) as JWK,
    sealedPrivateKey: String(row.sealed_private_key),
    createdAt: Number(row.created_at),
    activatedAt: row.activated_at === null ? undefined : Number(row.activated_at),
    retireAt: row.retire_at === null ? undefined : Number(row.retire_at),
  };
}

/**
 * Signing keys in SQLite. Initialisation and rotation run in `BEGIN IMMEDIATE`
 * transactions that check the state they expect, so gateway processes starting or
 * rotating at the same moment agree on one outcome.
 */
export class SqliteSigningKeyStore implements SigningKeyStore {
  readonly #db: DatabaseSync;
  readonly #watch: ChangeWatch;
  readonly #all: StatementSync;
  readonly #insert: StatementSync;
  readonly #current: StatementSync;
  readonly #demote: StatementSync;
  readonly #promote: StatementSync;
  readonly #purge: StatementSync;
  #cache: readonly SigningKeyRecord[] | undefined;

  constructor(db: DatabaseSync, watch: ChangeWatch) {
    this.#db = db;
    this.#watch = watch;
    watch.onChange(() => {
      this.#cache = undefined;
    });
    this.#all = db.prepare('SELECT * FROM signing_keys ORDER BY created_at, kid');
    this.#insert = db.prepare(
      `INSERT INTO signing_keys (kid, alg, state, public_jwk, sealed_private_key, created_at, activated_at, retire_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#current = db.prepare("SELECT kid FROM signing_keys WHERE state = 'current'");
    this.#demote = db.prepare(
      "UPDATE signing_keys SET state = 'previous', retire_at = ? WHERE state = 'current'",
    );
    this.#promote = db.prepare(
      "UPDATE signing_keys SET state = 'current', activated_at = ? WHERE state = 'next'",
    );
    this.#purge = db.prepare("DELETE FROM signing_keys WHERE state = 'previous' AND retire_at <= ?");
  }

  list(): readonly SigningKeyRecord[] {
    this.#watch.check();
    this.#cache ??= Object.freeze(this.#all.all().map(toRecord));
    return this.#cache;
  }

  initialize(current: SigningKeyRecord, next: SigningKeyRecord): boolean {
    return this.#change(() => {
      if (this.#all.all().length > 0) return false;
      this.#put(current);
      this.#put(next);
      return true;
    });
  }

  rotate(expectedCurrent: string, newNext: SigningKeyRecord, at: number, retireAt: number): boolean {
    return this.#change(() => {
      const current = this.#current.get() as Row | undefined;
      if (current?.kid !== expectedCurrent) return false;
      this.#demote.run(retireAt);
      this.#promote.run(at);
      this.#put(newNext);
      return true;
    });
  }

  purge(now: number): void {
    if (Number(this.#purge.run(now).changes) > 0) this.#cache = undefined;
  }

  #change(work: () => boolean): boolean {
    const changed = inTransaction(this.#db, work);
    this.#cache = undefined;
    return changed;
  }

  #put(r: SigningKeyRecord): void {
    this.#insert.run(
      r.kid,
      r.alg,
      r.state,
      JSON.stringify(r.publicJwk),
      r.sealedPrivateKey,
      r.createdAt,
      r.activatedAt ?? null,
      r.retireAt ?? null,
    );
  }
}
