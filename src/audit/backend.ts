import type { SignedHead } from './head.ts';
import type { NodeRef } from './merkle.ts';
import type { AppendBatch, LogState } from './sequencer.ts';

/** A value now (embedded stores) or later (network stores). */
export type MaybePromise<T> = T | Promise<T>;

/** One stored event line with the position it is stored at. */
export interface StoredLeaf {
  readonly seq: number;
  readonly leaf: string;
}

/**
 * Where a log lives. Every write runs `build` on the state read under the store's write
 * lock and stores its result in the same transaction, so several processes (gateways, the
 * CLI, a fleet sharing PostgreSQL) append to one log without losing or forking events.
 */
export interface LogBackend {
  append(build: (state: LogState) => AppendBatch): MaybePromise<AppendBatch>;
  /** Stores the head `decide` returns, if any, atomically with the new state. */
  signHead(
    decide: (state: LogState) => { head: SignedHead; state: LogState } | undefined,
  ): MaybePromise<SignedHead | undefined>;
  size(): MaybePromise<number>;
  latestHead(): MaybePromise<SignedHead | undefined>;
  /** Heads with size above `afterSize`, smallest first. */
  heads(afterSize: number, limit: number): MaybePromise<SignedHead[]>;
  /** Stored lines with `seq >= fromSeq`, in storage order. */
  leaves(fromSeq: number, limit: number): MaybePromise<StoredLeaf[]>;
  /** The newest `limit` lines, oldest first. */
  tail(limit: number): MaybePromise<string[]>;
  /** Hashes of completed subtrees at stored levels (`isStoredLevel`), in the order asked. */
  nodes(refs: readonly NodeRef[]): MaybePromise<Buffer[]>;
  close(): MaybePromise<void>;
}
