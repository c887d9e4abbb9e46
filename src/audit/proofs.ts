import type { LogBackend } from './backend.ts';
import {
  consistencyRanges,
  foldRange,
  inclusionRanges,
  type LeafRange,
  type NodeRef,
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

/** The hashes of proof ranges, fetched from the stored subtrees in one request. */
async function resolveRanges(backend: LogBackend, ranges: readonly LeafRange[]): Promise<string[]> {
  const perRange = ranges.map(([a, b]) => rangeNodes(a, b));
  const refs: NodeRef[] = perRange.flat();
  const hashes = refs.length === 0 ? [] : await backend.nodes(refs);
  let at = 0;
  return perRange.map((nodes) => {
    const part = hashes.slice(at, at + nodes.length);
    at += nodes.length;
    return foldRange(part).toString('base64');
  });
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
