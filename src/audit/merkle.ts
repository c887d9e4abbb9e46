import { hash } from 'node:crypto';

/**
 * Merkle tree hashing of RFC 9162 §2.1.1: SHA-256 with domain separation, a leaf hashed
 * as `0x00 || leaf` and an interior node as `0x01 || left || right`, so a leaf can never be
 * passed off as a node. Leaves are the exact UTF-8 bytes of an event line.
 */
export const HASH_BYTES = 32;

/** Reused input buffer of `nodeHash` (hashing is synchronous, so it is never shared). */
const NODE_INPUT = Buffer.alloc(1 + 2 * HASH_BYTES);
NODE_INPUT[0] = 1;

/** `SHA-256(0x00 || leaf)`; the leaf text is hashed as UTF-8. */
export function leafHash(leaf: string): Buffer {
  return hash('sha256', `\u0000${leaf}`, 'buffer');
}

/** `SHA-256(0x01 || left || right)`. */
export function nodeHash(left: Buffer, right: Buffer): Buffer {
  NODE_INPUT.set(left, 1);
  NODE_INPUT.set(right, 1 + HASH_BYTES);
  return hash('sha256', NODE_INPUT, 'buffer');
}

/** The hash of the empty tree: SHA-256 of nothing (RFC 9162 §2.1.1). */
export const EMPTY_ROOT: Buffer = hash('sha256', '', 'buffer');

/** The largest power of two strictly below `n` (n > 1): the RFC's split point `k`. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * Which completed subtrees a store keeps for proofs: every other level (2, 4, 6, …), a
 * third as many rows as all of them; an odd level is one hash away from the level below,
 * and level 0 is hashed from the event line itself.
 */
export function isStoredLevel(level: number): boolean {
  return level >= 2 && level % 2 === 0;
}

/** A completed perfect subtree: `2^level` leaves starting at leaf `index * 2^level`. */
export interface TreeNode {
  readonly level: number;
  readonly index: number;
  readonly hash: Buffer;
}

/**
 * The right edge of a growing tree (a "compact range"): the roots of the perfect subtrees
 * that make up the first `size` leaves, largest first, one per set bit of `size`. Enough
 * to append a leaf and to compute the root, in O(log n) space.
 */
export class Frontier {
  size: number;
  readonly hashes: Buffer[];

  constructor(size = 0, hashes: Buffer[] = []) {
    this.size = size;
    this.hashes = hashes;
  }

  /** Appends a leaf hash; reports every perfect subtree it completes (level ≥ 1). */
  push(leaf: Buffer, completed?: (node: TreeNode) => void): void {
    let h = leaf;
    let level = 0;
    let n = this.size;
    const end = this.size + 1;
    while ((n & 1) === 1) {
      h = nodeHash(this.hashes.pop()!, h);
      level++;
      completed?.({ level, index: Math.floor(end / 2 ** level) - 1, hash: h });
      n = Math.floor(n / 2);
    }
    this.hashes.push(h);
    this.size = end;
  }

  /** The tree head hash MTH(D[0:size]). */
  root(): Buffer {
    if (this.hashes.length === 0) return EMPTY_ROOT;
    let r = this.hashes[this.hashes.length - 1]!;
    for (let i = this.hashes.length - 2; i >= 0; i--) r = nodeHash(this.hashes[i]!, r);
    return r;
  }

  clone(): Frontier {
    return new Frontier(this.size, [...this.hashes]);
  }

  /** The hashes concatenated, for storage; the size gives their structure. */
  encode(): Buffer {
    return Buffer.concat(this.hashes);
  }

  static decode(size: number, bytes: Uint8Array): Frontier {
    const hashes: Buffer[] = [];
    for (let at = 0; at < bytes.length; at += HASH_BYTES)
      hashes.push(Buffer.from(bytes.subarray(at, at + HASH_BYTES)));
    return new Frontier(size, hashes);
  }
}

/** A half-open leaf range `[start, end)` whose MTH a proof carries. */
export type LeafRange = readonly [start: number, end: number];

/** Perfect subtree coordinates `[level, index]` whose hashes make up a range, left to right. */
export type NodeRef = readonly [level: number, index: number];

/**
 * The perfect aligned subtrees of a range produced by the RFC's recursive split (the left
 * part of every split is perfect and aligned); the range's hash folds them from the right.
 */
export function rangeNodes(start: number, end: number): NodeRef[] {
  const refs: NodeRef[] = [];
  let a = start;
  while (a < end) {
    const width = end - a;
    const size = (width & (width - 1)) === 0 ? width : splitPoint(width);
    refs.push([Math.log2(size), a / size]);
    a += size;
  }
  return refs;
}

/** Folds the hashes of a range's subtrees (from `rangeNodes`) into the range's MTH. */
export function foldRange(hashes: readonly Buffer[]): Buffer {
  let r = hashes[hashes.length - 1]!;
  for (let i = hashes.length - 2; i >= 0; i--) r = nodeHash(hashes[i]!, r);
  return r;
}

/** The ranges of an inclusion proof for leaf `m` in a tree of `n` leaves (RFC 9162 §2.1.3.1). */
export function inclusionRanges(m: number, n: number): LeafRange[] {
  const out: LeafRange[] = [];
  const path = (a: number, b: number): void => {
    if (b - a <= 1) return;
    const k = splitPoint(b - a);
    if (m < a + k) {
      path(a, a + k);
      out.push([a + k, b]);
    } else {
      path(a + k, b);
      out.push([a, a + k]);
    }
  };
  path(0, n);
  return out;
}

/** The ranges of a consistency proof from size `m` to size `n` (RFC 9162 §2.1.4.1). */
export function consistencyRanges(m: number, n: number): LeafRange[] {
  const out: LeafRange[] = [];
  const sub = (count: number, a: number, b: number, complete: boolean): void => {
    if (count === b - a) {
      if (!complete) out.push([a, b]);
      return;
    }
    const k = splitPoint(b - a);
    if (count <= k) {
      sub(count, a, a + k, complete);
      out.push([a + k, b]);
    } else {
      sub(count - k, a + k, b, false);
      out.push([a, a + k]);
    }
  };
  if (m > 0 && m < n) sub(m, 0, n, true);
  return out;
}
