import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { LogBackend, StoredLeaf } from '../../audit/backend.ts';
import type { SignedHead } from '../../audit/head.ts';
import { FIRST_PREV } from '../../audit/leaf.ts';
import { Frontier, type NodeRef } from '../../audit/merkle.ts';
import type { AppendBatch, LogState } from '../../audit/sequencer.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS audit_log (seq BIGINT PRIMARY KEY, leaf TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audit_nodes (
  level INTEGER NOT NULL, idx BIGINT NOT NULL, hash BYTEA NOT NULL, PRIMARY KEY (level, idx)
);
CREATE TABLE IF NOT EXISTS audit_heads (size BIGINT PRIMARY KEY, head TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audit_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  log_id TEXT NOT NULL,
  size BIGINT NOT NULL,
  last_leaf TEXT NOT NULL,
  frontier BYTEA NOT NULL,
  head_size BIGINT NOT NULL,
  head_at BIGINT NOT NULL
);`;

/** Key of the advisory lock that serialises schema creation between instances starting together. */
const SCHEMA_LOCK = 7_460_771;

type Row = Record<string, unknown>;

/**
 * The audit log in PostgreSQL, one log for the whole fleet. The `audit_state` row is the
 * sequencer: each append locks it (`SELECT … FOR UPDATE`), extends the tree from it and
 * writes the events, completed subtrees, any head and the new state in one transaction.
 * Instances therefore append in turn, each batch whole; a batch's commit is one round
 * trip sequence, so the fleet's rate is bounded by batch size over commit latency, not by
 * the number of events.
 */
export class PostgresLogBackend implements LogBackend {
  readonly #pool: pg.Pool;
  #ready: Promise<void> | undefined;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
    // An idle connection the server dropped: the next write fails and is retried.
    pool.on('error', () => {});
  }

  async append(build: (state: LogState) => AppendBatch): Promise<AppendBatch> {
    return this.#transaction(async (client, state) => {
      const batch = build(state);
      const seqs = batch.leaves.map((_, i) => batch.firstSeq + i);
      await client.query('INSERT INTO audit_log (seq, leaf) SELECT * FROM unnest($1::bigint[], $2::text[])', [
        seqs,
        batch.leaves,
      ]);
      if (batch.nodes.length > 0) {
        await client.query(
          'INSERT INTO audit_nodes (level, idx, hash) SELECT * FROM unnest($1::int[], $2::bigint[], $3::bytea[])',
          [batch.nodes.map((n) => n.level), batch.nodes.map((n) => n.index), batch.nodes.map((n) => n.hash)],
        );
      }
      if (batch.head !== undefined) await this.#insertHead(client, batch.head);
      await this.#write(client, batch.state);
      return batch;
    });
  }

  async signHead(decide: Parameters<LogBackend['signHead']>[0]): Promise<SignedHead | undefined> {
    return this.#transaction(async (client, state) => {
      const signed = decide(state);
      if (signed === undefined) return undefined;
      await this.#insertHead(client, signed.head);
      await this.#write(client, signed.state);
      return signed.head;
    });
  }

  async size(): Promise<number> {
    await this.#init();
    const { rows } = await this.#pool.query<Row>('SELECT size FROM audit_state WHERE id = 1');
    return rows.length === 0 ? 0 : Number(rows[0]!.size);
  }

  async latestHead(): Promise<SignedHead | undefined> {
    await this.#init();
    const { rows } = await this.#pool.query<Row>('SELECT head FROM audit_heads ORDER BY size DESC LIMIT 1');
    return rows.length === 0 ? undefined : (JSON.parse(String(rows[0]!.head)) as SignedHead);
  }

  async heads(afterSize: number, limit: number): Promise<SignedHead[]> {
    await this.#init();
    const { rows } = await this.#pool.query<Row>(
      'SELECT head FROM audit_heads WHERE size > $1 ORDER BY size LIMIT $2',
      [afterSize, limit],
    );
    return rows.map((r) => JSON.parse(String(r.head)) as SignedHead);
  }

  async leaves(fromSeq: number, limit: number): Promise<StoredLeaf[]> {
    await this.#init();
    const { rows } = await this.#pool.query<Row>(
      'SELECT seq, leaf FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT $2',
      [fromSeq, limit],
    );
    return rows.map((r) => ({ seq: Number(r.seq), leaf: String(r.leaf) }));
  }

  async tail(limit: number): Promise<string[]> {
    await this.#init();
    const { rows } = await this.#pool.query<Row>(
      'SELECT leaf FROM (SELECT seq, leaf FROM audit_log ORDER BY seq DESC LIMIT $1) t ORDER BY seq',
      [limit],
    );
    return rows.map((r) => String(r.leaf));
  }

  async nodes(refs: readonly NodeRef[]): Promise<Buffer[]> {
    await this.#init();
    const { rows } = await this.#pool.query<Row>(
      'SELECT level, idx, hash FROM audit_nodes n JOIN unnest($1::int[], $2::bigint[]) AS q(l, i) ON n.level = q.l AND n.idx = q.i',
      [refs.map(([level]) => level), refs.map(([, index]) => index)],
    );
    const found = new Map(rows.map((r) => [`${Number(r.level)}/${Number(r.idx)}`, r.hash as Buffer]));
    return refs.map(([level, index]) => {
      const hash = found.get(`${level}/${index}`);
      if (hash === undefined) throw new Error(`audit log node ${level}/${index} is missing`);
      return hash;
    });
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  #init(): Promise<void> {
    this.#ready ??= this.#withClient(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
      await client.query(SCHEMA);
      await client.query(
        "INSERT INTO audit_state VALUES (1, $1, 0, $2, '\\x'::bytea, 0, 0) ON CONFLICT (id) DO NOTHING",
        [randomUUID(), FIRST_PREV],
      );
    }).catch((error: unknown) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }

  async #transaction<T>(work: (client: pg.PoolClient, state: LogState) => Promise<T>): Promise<T> {
    await this.#init();
    return this.#withClient(async (client) => {
      const { rows } = await client.query<Row>('SELECT * FROM audit_state WHERE id = 1 FOR UPDATE');
      const row = rows[0]!;
      return work(client, {
        logId: String(row.log_id),
        frontier: Frontier.decode(Number(row.size), row.frontier as Buffer),
        lastLeaf: String(row.last_leaf),
        headSize: Number(row.head_size),
        headAt: Number(row.head_at),
      });
    });
  }

  /** Runs `work` in a transaction on a pooled connection; a connection that broke is discarded. */
  async #withClient<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    let broken: Error | undefined;
    // A connection lost mid-transaction is reported on the client: mark it for disposal.
    const lost = (error: Error) => {
      broken = error;
    };
    client.on('error', lost);
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: unknown) => {
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      });
      throw error;
    } finally {
      client.off('error', lost);
      client.release(broken);
    }
  }

  async #insertHead(client: pg.PoolClient, head: SignedHead): Promise<void> {
    await client.query('INSERT INTO audit_heads (size, head) VALUES ($1, $2)', [
      head.size,
      JSON.stringify(head),
    ]);
  }

  async #write(client: pg.PoolClient, state: LogState): Promise<void> {
    await client.query(
      'UPDATE audit_state SET size = $1, last_leaf = $2, frontier = $3, head_size = $4, head_at = $5 WHERE id = 1',
      [state.frontier.size, state.lastLeaf, state.frontier.encode(), state.headSize, state.headAt],
    );
  }
}
