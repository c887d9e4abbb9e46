/** A deterministic pseudo-random source (mulberry32), so a fuzz failure reproduces. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * One to `maxEdits` random insertions, deletions or replacements, mostly of `interesting`
 * bytes (the syntax of the format under test), sometimes of any byte.
 */
export function mutate(
  bytes: Buffer,
  rand: () => number,
  interesting: readonly number[],
  maxEdits = 3,
): Buffer {
  const out = [...bytes];
  const edits = 1 + Math.floor(rand() * maxEdits);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(rand() * (out.length + 1));
    const byte =
      rand() < 0.7 ? interesting[Math.floor(rand() * interesting.length)]! : Math.floor(rand() * 256);
    const op = Math.floor(rand() * 3);
    if (op === 0) out.splice(at, 0, byte);
    else if (op === 1) out.splice(at, 1);
    else out[at] = byte;
  }
  return Buffer.from(out);
}
