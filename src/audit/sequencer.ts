import type { HeadSigner, SignedHead } from './head.ts';
import { FIRST_PREV, formatLeaf } from './leaf.ts';
import { Frontier, isStoredLevel, leafHash, type TreeNode } from './merkle.ts';

/**
 * The tail of a log as the store keeps it, read and replaced in the same transaction as
 * every append: whichever process holds the store's write lock is the sequencer.
 */
export interface LogState {
  readonly logId: string;
  readonly frontier: Frontier;
  /** The last leaf hash, base64: the next event's `prev`. */
  readonly lastLeaf: string;
  /** Size and time of the latest signed head. */
  readonly headSize: number;
  readonly headAt: number;
}

export function emptyLogState(logId: string): LogState {
  return { logId, frontier: new Frontier(), lastLeaf: FIRST_PREV, headSize: 0, headAt: 0 };
}

/**
 * What one append writes: the event lines (a leaf's hash is recomputed from its line when
 * needed), the completed subtrees of the stored levels, maybe a head.
 */
export interface AppendBatch {
  readonly firstSeq: number;
  readonly leaves: readonly string[];
  readonly nodes: readonly TreeNode[];
  readonly head: SignedHead | undefined;
  readonly state: LogState;
}

export interface HeadPolicy {
  /** Sign a head once this many events are not covered by one. */
  readonly everyEvents: number;
  /** Sign a head once the latest one is this old and events are not covered. */
  readonly everyMs: number;
}

/** Appends serialised events (each `JSON.stringify` of an event) to the tree of `state`. */
export function sequenceEvents(
  state: LogState,
  eventJsons: readonly string[],
  policy: HeadPolicy,
  signer: HeadSigner,
  now: number,
): AppendBatch {
  const frontier = state.frontier.clone();
  const firstSeq = frontier.size;
  const leaves: string[] = [];
  const nodes: TreeNode[] = [];
  const collect = (node: TreeNode) => {
    if (isStoredLevel(node.level)) nodes.push(node);
  };
  let prev = state.lastLeaf;
  for (const json of eventJsons) {
    const leaf = formatLeaf(frontier.size, prev, json);
    const h = leafHash(leaf);
    frontier.push(h, collect);
    leaves.push(leaf);
    prev = h.toString('base64');
  }
  const next: LogState = { ...state, frontier, lastLeaf: prev };
  const due = frontier.size - state.headSize >= policy.everyEvents;
  const signed = due ? signHead(next, signer, now) : undefined;
  return { firstSeq, leaves, nodes, head: signed?.head, state: signed?.state ?? next };
}

/** Signs a head over the whole of `state` when events are uncovered and it is time (or `force`). */
export function headIfDue(
  state: LogState,
  policy: HeadPolicy,
  signer: HeadSigner,
  now: number,
  force: boolean,
): { head: SignedHead; state: LogState } | undefined {
  if (state.frontier.size <= state.headSize) return undefined;
  if (!force && now - state.headAt < policy.everyMs) return undefined;
  return signHead(state, signer, now);
}

function signHead(state: LogState, signer: HeadSigner, now: number): { head: SignedHead; state: LogState } {
  const head = signer.sign({
    v: 1,
    log: state.logId,
    size: state.frontier.size,
    root: state.frontier.root().toString('base64'),
    at: now,
  });
  return { head, state: { ...state, headSize: head.size, headAt: now } };
}
