import type { LogBackend } from './backend.ts';
import {
  consistencyRanges,
  foldRange,
  inclusionRanges,
  isStoredLevel,
  type LeafRange,
  leafHash,
  type NodeRef,
  nodeHash,
  rangeNodes,
} from './merkle.ts';

export interface InclusionProof {
  readonly seq: number;
  readonly size: number;
  /** The event line exactly as hashed into the tree. */
  readonly leaf: string;
  /** RFC 9162 §2.1.3.1 audit path, bottom-up, base64. */
  readonly path: readonly string[];
}

export interface ConsistencyProof {
  readonly from: number;
  readonly to: number;
  /** RFC 9162 §2.1.4.1 consistency proof, base64. */
  readonly path: readonly string[];
}

/**
 * The hashes of proof ranges. A range is made of perfect subtrees; those at a stored level
 * are read, an odd level is hashed from its two children, and level 0 from the event line.
 */
async function resolveRanges(backend: LogBackend, ranges: readonly LeafRange[]): Promise<string[]> {
  const perRange = ranges.map(([a, b]) => rangeNodes(a, b));
  const stored = new Map<string, NodeRef>();
  const leaves = new Set<number>();
  const need = ([level, index]: NodeRef): void => {
    if (level === 0) leaves.add(index);
    else if (isStoredLevel(level)) stored.set(`${level}/${index}`, [level, index]);
    else {
      need([level - 1, 2 * index]);
      need([level - 1, 2 * index + 1]);
    }
  };
  for (const refs of perRange) for (const ref of refs) need(ref);
  const known = new Map<string, Buffer>();
  const storedRefs = [...stored.values()];
  const hashes = storedRefs.length === 0 ? [] : await backend.nodes(storedRefs);
  for (const [i, [level, index]] of storedRefs.entries()) known.set(`${level}/${index}`, hashes[i]!);
  for (const seq of leaves) {
    const [stored] = await backend.leaves(seq, 1);
    if (stored === undefined || stored.seq !== seq) throw new RangeError(`no event ${seq}`);
    known.set(`0/${seq}`, leafHash(stored.leaf));
  }
  const hashOf = ([level, index]: NodeRef): Buffer =>
    known.get(`${level}/${index}`) ??
    nodeHash(hashOf([level - 1, 2 * index]), hashOf([level - 1, 2 * index + 1]));
  return perRange.map((refs) => foldRange(refs.map(hashOf)).toString('base64'));
}

/** Proves that event `seq` is in the tree of the first `size` events (`seq < size <= log size`). */
export async function inclusionProof(
  backend: LogBackend,
  seq: number,
  size: number,
): Promise<InclusionProof> {
  const [stored] = await backend.leaves(seq, 1);
  if (stored === undefined || stored.seq !== seq) throw new RangeError(`no event ${seq}`);
  return { seq, size, leaf: stored.leaf, path: await resolveRanges(backend, inclusionRanges(seq, size)) };
}

/** Proves that the tree of `from` events is a prefix of the tree of `to` events (`0 < from <= to`). */
export async function consistencyProof(
  backend: LogBackend,
  from: number,
  to: number,
): Promise<ConsistencyProof> {
  return { from, to, path: await resolveRanges(backend, consistencyRanges(from, to)) };
}
