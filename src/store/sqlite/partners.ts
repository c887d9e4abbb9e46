import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { PartnerRecord, PartnerStatus, PartnerStatusStore } from '../lifecycle-types.ts';
import type { ChangeWatch } from './change-watch.ts';
import type { Migration } from './database.ts';

export const partnerMigrations: readonly Migration[] = [
  {
    id: '0003_partner_status',
    sql: `CREATE TABLE partner_status (
      partner TEXT PRIMARY KEY,
      status TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'decommissioned')),
      changed_at INTEGER NOT NULL,
      reason TEXT
    );`,
  },
];

/**
 * Partners' lifecycle status in SQLite. The table is small (one row per partner ever
 * suspended or created by the CLI), so it is read whole into memory and read again after
 * another connection changed the database.
 */
export class SqlitePartnerStatusStore implements PartnerStatusStore {
  readonly #watch: ChangeWatch;
  readonly #all: StatementSync;
  readonly #upsert: StatementSync;
  #cache: Map<string, PartnerRecord> | undefined;

  constructor(db: DatabaseSync, watch: ChangeWatch) {
    this.#watch = watch;
    watch.onChange(() => {
      this.#cache = undefined;
    });
    this.#all = db.prepare('SELECT * FROM partner_status ORDER BY partner');
    this.#upsert = db.prepare(
      `INSERT INTO partner_status (partner, status, changed_at, reason) VALUES (?, ?, ?, ?)
       ON CONFLICT (partner) DO UPDATE SET status = excluded.status, changed_at = excluded.changed_at, reason = excluded.reason`,
    );
  }

  get(partner: string): PartnerRecord | undefined {
    this.#watch.check();
    this.#cache ??= new Map(this.list().map((r) => [r.partner, r]));
    return this.#cache.get(partner);
  }

  set(record: PartnerRecord): void {
    this.#upsert.run(record.partner, record.status, record.changedAt, record.reason ?? null);
    this.#cache = undefined;
  }

  list(): PartnerRecord[] {
    return this.#all.all().map((row) => ({
      partner: String(row.partner),
      status: row.status as PartnerStatus,
      changedAt: Number(row.changed_at),
      reason: row.reason === null ? undefined : String(row.reason),
    }));
  }
}
