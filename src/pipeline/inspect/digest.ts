import { hash, timingSafeEqual } from 'node:crypto';
import { type Denial, deny } from '../stage.ts';

/** The RFC 9530 algorithms checked and produced; others (md5, sha, crc32c…) are ignored. */
export type DigestAlgorithm = 'sha-256' | 'sha-512';
const DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = ['sha-256', 'sha-512'];

const NODE_HASH: Readonly<Record<DigestAlgorithm, string>> = { 'sha-256': 'sha256', 'sha-512': 'sha512' };
/** RFC 8941 dictionary member whose value is a byte sequence: `key=:base64:`. */
const MEMBER = /^([a-z*][a-z0-9_.*-]*)=:([A-Za-z0-9+/]*={0,2}):$/;
/** RFC 9530 §4: which digest we would like, for a 400 that lacks one. */
const WANT = 'sha-256=10, sha-512=5';

const MISSING = deny('digest_missing', 'A Content-Digest with sha-256 or sha-512 is required.', {
  headers: { 'want-content-digest': WANT },
  reason: 'Content-Digest required and absent (or no supported algorithm)',
});
const MALFORMED = deny('digest_mismatch', 'The Content-Digest header is malformed.', {
  reason: 'Content-Digest is not a dictionary of byte sequences',
});

/** `sha-256=:…:` for `bytes` (the form of a Content-Digest member). */
export function contentDigest(algorithm: DigestAlgorithm, bytes: Uint8Array): string {
  return `${algorithm}=:${hash(NODE_HASH[algorithm], bytes, 'base64')}:`;
}

/**
 * Checks a Content-Digest header (RFC 9530 §2) against the content as received. Every
 * supported algorithm present must match; a header with none of them counts as absent.
 * Undefined when the content passes; a denial otherwise.
 */
export function verifyContentDigest(
  header: string | undefined,
  content: Uint8Array,
  required: boolean,
): Denial | undefined {
  if (header === undefined) return required ? MISSING : undefined;
  const members = parseDigestDictionary(header);
  if (members === undefined) return MALFORMED;
  let checked = 0;
  for (const algorithm of DIGEST_ALGORITHMS) {
    const expected = members.get(algorithm);
    if (expected === undefined) continue;
    const actual = hash(NODE_HASH[algorithm], content, 'buffer');
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
      return deny('digest_mismatch', 'The content does not match its Content-Digest.', {
        reason: `Content-Digest ${algorithm} mismatch`,
      });
    }
    checked++;
  }
  return checked === 0 && required ? MISSING : undefined;
}

/** Parses the dictionary strictly: byte-sequence values only, no parameters, no repeated keys. */
export function parseDigestDictionary(header: string): Map<string, Buffer> | undefined {
  const members = new Map<string, Buffer>();
  for (const raw of header.split(',')) {
    const m = MEMBER.exec(raw.trim());
    if (m === null || members.has(m[1]!) || m[2]!.length % 4 !== 0) return undefined;
    members.set(m[1]!, Buffer.from(m[2]!, 'base64'));
  }
  return members;
}
