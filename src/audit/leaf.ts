import { HASH_BYTES } from './merkle.ts';

/**
 * An event line, the exact bytes that are hashed into the tree: the event's JSON with two
 * members put first, `seq` (its position, from 0) and `prev` (the base64 leaf hash of the
 * event before it, zeros for the first). Position and chain are thereby committed in the
 * leaf, which lets `verify` name the first event that was removed, inserted, reordered or
 * modified instead of only saying that a head does not match.
 */
export interface LeafPrefix {
  readonly seq: number;
  readonly prev: string;
}

const START = '{"seq":';
const PREV = ',"prev":"';
const B64_HASH_LENGTH = Math.ceil(HASH_BYTES / 3) * 4;

/** The `prev` of the first event. */
export const FIRST_PREV = Buffer.alloc(HASH_BYTES).toString('base64');

/** Serialises an event as the leaf at `seq`, chained to the previous leaf hash. */
export function formatLeaf(seq: number, prev: string, eventJson: string): string {
  return `${START}${seq}${PREV}${prev}",${eventJson.slice(1)}`;
}

/** Reads `seq` and `prev` without parsing the whole line; undefined when malformed. */
export function parseLeafPrefix(leaf: string): LeafPrefix | undefined {
  if (!leaf.startsWith(START)) return undefined;
  const at = leaf.indexOf(PREV, START.length);
  if (at < 0 || at > START.length + 16) return undefined;
  const digits = leaf.slice(START.length, at);
  if (!/^(0|[1-9]\d*)$/.test(digits)) return undefined;
  const from = at + PREV.length;
  if (leaf.charCodeAt(from + B64_HASH_LENGTH) !== 34) return undefined;
  return { seq: Number(digits), prev: leaf.slice(from, from + B64_HASH_LENGTH) };
}
