import { randomUUID } from 'node:crypto';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { LogBackend, StoredLeaf } from '../../audit/backend.ts';
import type { SignedHead } from '../../audit/head.ts';
import { FIRST_PREV } from '../../audit/leaf.ts';
import { Frontier, type NodeRef } from '../../audit/merkle.ts';
import type { AppendBatch, LogState } from '../../audit/sequencer.ts';
import type { Migration } from './database.ts';

/** The audit log's own database file, apart from the main store (see `SqliteLogBackend`). */
export const auditLogMigrations: readonly Migration[] = [
  {
    id: '0001_audit_log',
    sql: `CREATE TABLE audit_log (seq INTEGER PRIMARY KEY, leaf TEXT NOT NULL);
    CREATE TABLE audit_nodes (
      level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (level, idx)
    ) WITHOUT ROWID;
    CREATE TABLE audit_heads (size INTEGER PRIMARY KEY, head TEXT NOT NULL);
    CREATE TABLE audit_state (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      log_id TEXT NOT NULL,
      size INTEGER NOT NULL,
      last_leaf TEXT NOT NULL,
      frontier BLOB NOT NULL,
      head_size INTEGER NOT NULL,
      head_at INTEGER NOT NULL
    );`,
  },
];

type Row = Record<string, unknown>;

/** Rows per multi-row INSERT: one statement call instead of one per row. */
const BULK = 128;

/**
 * The audit log in SQLite. It lives in a file of its own so that its steady stream of
 * commits does not bump the main store's `data_version`, which would empty every other
 * process's API key cache on each batch. Each append is one `BEGIN IMMEDIATE`
 * transaction that reads the tail state, so several processes on one machine (gateways
 * and the CLI) append to one log in turn.
 */
export class SqliteLogBackend implements LogBackend {
  readonly #db: DatabaseSync;
  readonly #readState: StatementSync;
  readonly #createState: StatementSync;
  readonly #writeState: StatementSync;
  readonly #insertLeaf: StatementSync;
  readonly #insertLeaves: StatementSync;
  readonly #insertNode: StatementSync;
  readonly #insertNodes: StatementSync;
  readonly #insertHead: StatementSync;
  readonly #latestHead: StatementSync;
  readonly #heads: StatementSync;
  readonly #leaves: StatementSync;
  readonly #tail: StatementSync;
  readonly #size: StatementSync;
  readonly #node: StatementSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#readState = db.prepare('SELECT * FROM audit_state WHERE id = 1');
    this.#createState = db.prepare("INSERT OR IGNORE INTO audit_state VALUES (1, ?, 0, ?, x'', 0, 0)");
    this.#writeState = db.prepare(
      'UPDATE audit_state SET size = ?, last_leaf = ?, frontier = ?, head_size = ?, head_at = ? WHERE id = 1',
    );
    this.#insertLeaf = db.prepare('INSERT INTO audit_log (seq, leaf) VALUES (?, ?)');
    this.#insertLeaves = db.prepare(
      `INSERT INTO audit_log (seq, leaf) VALUES ${'(?, ?), '.repeat(BULK - 1)}(?, ?)`,
    );
    this.#insertNode = db.prepare('INSERT INTO audit_nodes (level, idx, hash) VALUES (?, ?, ?)');
    this.#insertNodes = db.prepare(
      `INSERT INTO audit_nodes (level, idx, hash) VALUES ${'(?, ?, ?), '.repeat(BULK - 1)}(?, ?, ?)`,
    );
    this.#insertHead = db.prepare('INSERT INTO audit_heads (size, head) VALUES (?, ?)');
    this.#latestHead = db.prepare('SELECT head FROM audit_heads ORDER BY size DESC LIMIT 1');
    this.#heads = db.prepare('SELECT head FROM audit_heads WHERE size > ? ORDER BY size LIMIT ?');
    this.#leaves = db.prepare('SELECT seq, leaf FROM audit_log WHERE seq >= ? ORDER BY seq LIMIT ?');
    this.#leaves.setReturnArrays(true);
    this.#tail = db.prepare(
      'SELECT leaf FROM (SELECT seq, leaf FROM audit_log ORDER BY seq DESC LIMIT ?) ORDER BY seq',
    );
    this.#size = db.prepare('SELECT size FROM audit_state WHERE id = 1');
    this.#node = db.prepare('SELECT hash FROM audit_nodes WHERE level = ? AND idx = ?');
  }

  append(build: (state: LogState) => AppendBatch): AppendBatch {
    return this.#transaction((state) => {
      const batch = build(state);
      this.#storeLeaves(batch);
      this.#storeNodes(batch);
      if (batch.head !== undefined) this.#insertHead.run(batch.head.size, JSON.stringify(batch.head));
      this.#write(batch.state);
      return batch;
    });
  }

  signHead(decide: Parameters<LogBackend['signHead']>[0]): SignedHead | undefined {
    return this.#transaction((state) => {
      const signed = decide(state);
      if (signed === undefined) return undefined;
      this.#insertHead.run(signed.head.size, JSON.stringify(signed.head));
      this.#write(signed.state);
      return signed.head;
    });
  }

  size(): number {
    const row = this.#size.get() as Row | undefined;
    return row === undefined ? 0 : Number(row.size);
  }

  latestHead(): SignedHead | undefined {
    const row = this.#latestHead.get() as Row | undefined;
    return row === undefined ? undefined : (JSON.parse(String(row.head)) as SignedHead);
  }

  heads(afterSize: number, limit: number): SignedHead[] {
    return (this.#heads.all(afterSize, limit) as Row[]).map((r) => JSON.parse(String(r.head)) as SignedHead);
  }

  leaves(fromSeq: number, limit: number): StoredLeaf[] {
    const rows = this.#leaves.all(fromSeq, limit) as unknown as [number, string][];
    return rows.map(([seq, leaf]) => ({ seq, leaf }));
  }

  tail(limit: number): string[] {
    return (this.#tail.all(limit) as Row[]).map((r) => String(r.leaf));
  }

  nodes(refs: readonly NodeRef[]): Buffer[] {
    return refs.map(([level, index]) => {
      const row = this.#node.get(level, index) as Row | undefined;
      if (row === undefined) throw new Error(`audit log node ${level}/${index} is missing`);
      return Buffer.from(row.hash as Uint8Array);
    });
  }

  close(): void {
    this.#db.close();
  }

  #storeLeaves(batch: AppendBatch): void {
    const { leaves, firstSeq } = batch;
    let i = 0;
    const args: (number | string)[] = [];
    for (; i + BULK <= leaves.length; i += BULK) {
      args.length = 0;
      for (let k = i; k < i + BULK; k++) args.push(firstSeq + k, leaves[k]!);
      this.#insertLeaves.run(...args);
    }
    for (; i < leaves.length; i++) this.#insertLeaf.run(firstSeq + i, leaves[i]!);
  }

  #storeNodes(batch: AppendBatch): void {
    const nodes = batch.nodes;
    let i = 0;
    const args: (number | Buffer)[] = [];
    for (; i + BULK <= nodes.length; i += BULK) {
      args.length = 0;
      for (let k = i; k < i + BULK; k++) args.push(nodes[k]!.level, nodes[k]!.index, nodes[k]!.hash);
      this.#insertNodes.run(...args);
    }
    for (; i < nodes.length; i++) this.#insertNode.run(nodes[i]!.level, nodes[i]!.index, nodes[i]!.hash);
  }

  #transaction<T>(work: (state: LogState) => T): T {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const result = work(this.#state());
      this.#db.exec('COMMIT');
      return result;
    } catch (error) {
      if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  #state(): LogState {
    let row = this.#readState.get() as Row | undefined;
    if (row === undefined) {
      this.#createState.run(randomUUID(), FIRST_PREV);
      row = this.#readState.get() as Row;
    }
    return {
      logId: String(row.log_id),
      frontier: Frontier.decode(Number(row.size), row.frontier as Uint8Array),
      lastLeaf: String(row.last_leaf),
      headSize: Number(row.head_size),
      headAt: Number(row.head_at),
    };
  }

  #write(state: LogState): void {
    this.#writeState.run(
      state.frontier.size,
      state.lastLeaf,
      state.frontier.encode(),
      state.headSize,
      state.headAt,
    );
  }
}
