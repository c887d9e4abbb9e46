import type { DatabaseSync, StatementSync } from 'node:sqlite';

/**
 * Tells the stores of one connection when another connection (another gateway process,
 * a CLI command) changed the database, so they can drop what they cached.
 *
 * `PRAGMA data_version` changes whenever another connection commits. Even that pragma
 * costs a read transaction (lock syscalls, ~10 µs under load), so it runs at most once per
 * event-loop turn: a change committed elsewhere is seen by every read in a later turn, and
 * requests that arrive together share one check. Changes made through this connection
 * do not move `data_version`; each store keeps its own cache right for those.
 */
export class ChangeWatch {
  readonly #dataVersion: StatementSync;
  readonly #listeners: (() => void)[] = [];
  #seenVersion = -1;
  #checkedThisTurn = false;
  readonly #endTurn = () => {
    this.#checkedThisTurn = false;
  };

  constructor(db: DatabaseSync) {
    this.#dataVersion = db.prepare('PRAGMA data_version');
    this.#dataVersion.setReturnArrays(true);
  }

  /** Calls `listener` whenever a check finds a change made by another connection. */
  onChange(listener: () => void): void {
    this.#listeners.push(listener);
  }

  /** Checks for changes from other connections, at most once per event-loop turn. */
  check(): void {
    if (this.#checkedThisTurn) return;
    this.#checkedThisTurn = true;
    setImmediate(this.#endTurn);
    const version = (this.#dataVersion.get() as unknown as [number])[0];
    if (version === this.#seenVersion) return;
    this.#seenVersion = version;
    for (const listener of this.#listeners) listener();
  }
}

/** Records cached at most; beyond it the cache starts over. */
const RECORD_CACHE_LIMIT = 10_000;

/**
 * Records read by id, remembered until another connection changes the database (then all
 * are dropped) or this one changes the record (`delete`). Unknown ids are never cached, so
 * a flood of random ids cannot fill it.
 */
export class RecordCache<T> {
  readonly #watch: ChangeWatch;
  readonly #records = new Map<string, T>();

  constructor(watch: ChangeWatch) {
    this.#watch = watch;
    watch.onChange(() => this.#records.clear());
  }

  get(id: string, load: (id: string) => T | undefined): T | undefined {
    this.#watch.check();
    const cached = this.#records.get(id);
    if (cached !== undefined) return cached;
    const record = load(id);
    if (record === undefined) return undefined;
    if (this.#records.size >= RECORD_CACHE_LIMIT) this.#records.clear();
    this.#records.set(id, record);
    return record;
  }

  delete(id: string): void {
    this.#records.delete(id);
  }
}
