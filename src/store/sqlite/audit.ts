import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { AuditEventV1, AuditStore } from '../../audit/event.ts';
import type { Migration } from './database.ts';

export const auditMigrations: readonly Migration[] = [
  {
    id: '0002_audit_events',
    sql: `CREATE TABLE audit_events (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      at INTEGER NOT NULL,
      kind TEXT NOT NULL,
      action TEXT NOT NULL,
      event TEXT NOT NULL
    );`,
  },
];

/** Audit events appended to the embedded store, one row each, in order. */
export class SqliteAuditStore implements AuditStore {
  readonly #append: StatementSync;
  readonly #recent: StatementSync;

  constructor(db: DatabaseSync) {
    this.#append = db.prepare('INSERT INTO audit_events (at, kind, action, event) VALUES (?, ?, ?, ?)');
    this.#recent = db.prepare(
      'SELECT event FROM (SELECT seq, event FROM audit_events ORDER BY seq DESC LIMIT ?) ORDER BY seq',
    );
  }

  append(event: AuditEventV1): void {
    this.#append.run(event.at, event.kind, event.action, JSON.stringify(event));
  }

  recent(limit: number): AuditEventV1[] {
    return this.#recent.all(limit).map((row) => JSON.parse(String(row.event)) as AuditEventV1);
  }
}
