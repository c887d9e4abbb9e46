import type { DatabaseSync } from 'node:sqlite';

/**
 * Runs `work` in a `BEGIN IMMEDIATE` transaction (the write lock is taken first, so what
 * `work` reads cannot change before it writes) and commits, or rolls back if it throws.
 */
export function inTransaction<T>(db: DatabaseSync, work: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = work();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}
