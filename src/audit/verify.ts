import type { KeyObject } from 'node:crypto';
import type { MaybePromise, StoredLeaf } from './backend.ts';
import { type SignedHead, verifyHead } from './head.ts';
import { FIRST_PREV, type LeafPrefix, parseLeafPrefix } from './leaf.ts';
import { Frontier, leafHash } from './merkle.ts';

/** What a log needs to offer to be verified (the backends all do). */
export interface VerifiableLog {
  leaves(fromSeq: number, limit: number): MaybePromise<StoredLeaf[]>;
  heads(afterSize: number, limit: number): MaybePromise<SignedHead[]>;
  /** The size the store's own state claims. */
  size(): MaybePromise<number>;
}

export type ProblemKind =
  | 'modified'
  | 'inserted'
  | 'removed'
  | 'reordered'
  | 'truncated'
  | 'head_invalid'
  | 'head_conflict';

/** The first thing found wrong, with the event (by position, from 0) it concerns. */
export interface VerifyProblem {
  readonly kind: ProblemKind;
  /** The first event concerned; for a range, its start. */
  readonly seq: number;
  /** The last event of a range that cannot be narrowed further. */
  readonly toSeq?: number | undefined;
  readonly message: string;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly events: number;
  /** Distinct validly signed heads checked against the events. */
  readonly heads: number;
  readonly latest: SignedHead | undefined;
  /** Events after the latest signed head: not yet covered by any signature. */
  readonly unsigned: number;
  readonly problem: VerifyProblem | undefined;
}

const PAGE = 10_000;
/** How far past an anomaly rows are read to tell a reorder from an insertion or a removal. */
const LOOKAHEAD = 10_000;

interface Row {
  readonly position: number;
  readonly leaf: string;
  readonly prefix: LeafPrefix | undefined;
  readonly hash: Buffer;
  /** `hash` in base64, as a `prev` carries it. */
  readonly hash64: string;
}

/**
 * Checks a whole log against its signed heads (from the store and the witness file) and
 * the trusted public keys. Every head must be validly signed by a trusted key and match
 * the tree of the events it covers; every event must sit at the position it commits to
 * and chain to the hash of the one before. The report names the first problem:
 * - `modified`: an event's hash no longer matches what the next event committed to (or,
 *   when every later event was rewritten to match, the range between two heads);
 * - `inserted`, `removed`, `reordered`: an extra event, a missing one, one out of place;
 * - `truncated`: fewer events than the latest signed head covers;
 * - `head_invalid`, `head_conflict`: a head that is not validly signed by a trusted key,
 *   or two validly signed heads of one size with different roots.
 */
export async function verifyLog(
  log: VerifiableLog,
  witness: readonly SignedHead[],
  keys: ReadonlyMap<string, KeyObject>,
): Promise<VerifyReport> {
  const collected = await collectHeads(log, witness, keys);
  const heads = collected.heads;
  const latest = heads.at(-1);
  const walk = new Walk(log, heads);
  const chainProblem = await walk.run();
  const events = walk.count;
  const problem =
    collected.problem ?? chainProblem ?? walk.headProblem ?? truncation(events, latest, await log.size());
  return {
    ok: problem === undefined,
    events,
    heads: heads.length,
    latest,
    unsigned: latest === undefined ? events : Math.max(0, events - latest.size),
    problem,
  };
}

async function collectHeads(
  log: VerifiableLog,
  witness: readonly SignedHead[],
  keys: ReadonlyMap<string, KeyObject>,
): Promise<{ heads: SignedHead[]; problem: VerifyProblem | undefined }> {
  const all: SignedHead[] = [];
  for (let after = -1; ; ) {
    const page = await log.heads(after, PAGE);
    all.push(...page);
    if (page.length < PAGE) break;
    after = page.at(-1)!.size;
  }
  all.push(...witness);
  const bySize = new Map<number, SignedHead>();
  let problem: VerifyProblem | undefined;
  const note = (p: VerifyProblem) => {
    if (problem === undefined || p.seq < problem.seq) problem = p;
  };
  for (const head of all) {
    if (!verifyHead(head, keys)) {
      note({
        kind: 'head_invalid',
        seq: Number(head.size) || 0,
        message: `a head of size ${head.size} is not validly signed by a trusted key (key ${head.key})`,
      });
      continue;
    }
    const seen = bySize.get(head.size);
    if (seen !== undefined && seen.root !== head.root) {
      note({
        kind: 'head_conflict',
        seq: head.size,
        message: `two validly signed heads of size ${head.size} have different roots: the log was forked`,
      });
    }
    if (seen === undefined) bySize.set(head.size, head);
  }
  const logIds = new Set([...bySize.values()].map((h) => h.log));
  if (logIds.size > 1)
    note({ kind: 'head_conflict', seq: 0, message: `heads of ${logIds.size} different logs were found` });
  return { heads: [...bySize.values()].sort((a, b) => a.size - b.size), problem };
}

function truncation(
  events: number,
  latest: SignedHead | undefined,
  claimed: number,
): VerifyProblem | undefined {
  const expected = Math.max(latest?.size ?? 0, claimed);
  if (events >= expected) return undefined;
  const by =
    latest !== undefined && latest.size > events ? 'the latest signed head' : "the store's own state";
  return {
    kind: 'truncated',
    seq: events,
    toSeq: expected - 1,
    message: `the log ends after ${events} events but ${by} covers ${expected}: events ${events}..${expected - 1} were cut off`,
  };
}

/** One pass over the events in storage order, hashing, chaining and checking heads. */
class Walk {
  readonly #log: VerifiableLog;
  readonly #heads: readonly SignedHead[];
  #nextHead = 0;
  #lastGoodHead = 0;
  #failedHead: SignedHead | undefined;
  readonly #frontier = new Frontier();
  #buffer: Row[] = [];
  /** Index in `#buffer` of the next row not yet consumed. */
  #at = 0;
  #from = 0;
  #exhausted = false;
  count = 0;
  headProblem: VerifyProblem | undefined;

  constructor(log: VerifiableLog, heads: readonly SignedHead[]) {
    this.#log = log;
    this.#heads = heads;
  }

  async run(): Promise<VerifyProblem | undefined> {
    let prev = FIRST_PREV;
    for (let position = 0; ; position++) {
      const row = await this.#peek(0);
      if (row === undefined) break;
      if (row.prefix === undefined || row.prefix.seq !== position || row.prefix.prev !== prev)
        return this.#classify(row, prev);
      if (this.#failedHead !== undefined && position > this.#failedHead.size) break;
      this.#at++;
      this.count = position + 1;
      this.#frontier.push(row.hash);
      prev = row.hash64;
      this.#checkHeads();
    }
    if (this.#failedHead !== undefined) {
      const s = this.#failedHead.size;
      this.headProblem = {
        kind: 'modified',
        seq: this.#lastGoodHead,
        toSeq: s - 1,
        message: `events ${this.#lastGoodHead}..${s - 1} do not match the signed head of size ${s}: one of them was modified and every later event rewritten to match, or event ${s - 1} was modified`,
      };
    }
    return undefined;
  }

  #checkHeads(): void {
    const size = this.#frontier.size;
    while (this.#nextHead < this.#heads.length && this.#heads[this.#nextHead]!.size <= size) {
      const head = this.#heads[this.#nextHead++]!;
      if (head.size < size || this.#failedHead !== undefined) continue;
      if (this.#frontier.root().toString('base64') === head.root) this.#lastGoodHead = head.size;
      else this.#failedHead = head;
    }
  }

  /** Names what is wrong at the first row that is not the expected next event. */
  async #classify(row: Row, prev: string): Promise<VerifyProblem> {
    const i = row.position;
    if (row.prefix === undefined) {
      return { kind: 'modified', seq: i, message: `the line at position ${i} is not an event line` };
    }
    const claimed = row.prefix.seq;
    const next = await this.#peek(1);
    if (
      claimed === i + 1 &&
      next !== undefined &&
      next.prefix?.seq === i &&
      row.prefix.prev === next.hash64
    ) {
      return { kind: 'reordered', seq: i, message: `events ${i} and ${i + 1} were swapped` };
    }
    if (next !== undefined && next.prefix?.seq === i && next.prefix.prev === prev) {
      return {
        kind: 'inserted',
        seq: i,
        message: `an event that is not part of the log was inserted at position ${i} (before event ${i})`,
      };
    }
    if (claimed === i) {
      const target = i === 0 ? 0 : i - 1;
      return {
        kind: 'modified',
        seq: target,
        message:
          i === 0
            ? 'event 0 was modified'
            : `event ${target} was modified: event ${i} committed to a different hash of it`,
      };
    }
    if (claimed < i) {
      // Two lines claim one place: the one the next event chains to is the original.
      const at = claimed === i - 1 && next?.prefix?.prev === row.hash64 ? i - 1 : i;
      return {
        kind: 'inserted',
        seq: at,
        message: `an event that is not part of the log was inserted at position ${at} (it claims to be event ${claimed})`,
      };
    }
    for (let ahead = 1; ahead <= LOOKAHEAD; ahead++) {
      const later = await this.#peek(ahead);
      if (later === undefined) break;
      if (later.prefix?.seq === i) {
        return {
          kind: 'reordered',
          seq: i,
          message: `event ${i} is stored at position ${later.position}, after event ${claimed}`,
        };
      }
    }
    return {
      kind: 'removed',
      seq: i,
      toSeq: claimed - 1,
      message: claimed - 1 === i ? `event ${i} was removed` : `events ${i}..${claimed - 1} were removed`,
    };
  }

  /** The row `ahead` places past the next unconsumed one, reading pages as needed. */
  async #peek(ahead: number): Promise<Row | undefined> {
    while (this.#buffer.length - this.#at <= ahead && !this.#exhausted) {
      const page = await this.#log.leaves(this.#from, PAGE);
      if (page.length < PAGE) this.#exhausted = true;
      if (page.length === 0) break;
      this.#buffer = this.#buffer.slice(this.#at);
      this.#at = 0;
      const base = this.count + this.#buffer.length;
      for (let k = 0; k < page.length; k++) {
        const leaf = page[k]!.leaf;
        const hash = leafHash(leaf);
        this.#buffer.push({
          position: base + k,
          leaf,
          prefix: parseLeafPrefix(leaf),
          hash,
          hash64: hash.toString('base64'),
        });
      }
      this.#from = page.at(-1)!.seq + 1;
    }
    return this.#buffer[this.#at + ahead];
  }
}
