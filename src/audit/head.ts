import { createHash, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';

/**
 * A signed tree head: the log's size and root hash at a moment, signed with Ed25519.
 * The signed message is a fixed text (in the spirit of C2SP's checkpoints), so any
 * Ed25519 implementation can check a head without this code.
 */
export interface SignedHead {
  readonly v: 1;
  /** The log's id, fixed when the log was created. */
  readonly log: string;
  readonly size: number;
  /** MTH of the first `size` events, base64. */
  readonly root: string;
  /** Epoch milliseconds when the head was signed. */
  readonly at: number;
  /** Id of the signing key: the first 8 bytes of SHA-256 of its SPKI DER, hex. */
  readonly key: string;
  /** Ed25519 signature of `headMessage(...)`, base64. */
  readonly sig: string;
}

export type UnsignedHead = Omit<SignedHead, 'key' | 'sig'>;

/** The bytes a head's signature covers. */
export function headMessage(head: UnsignedHead): Buffer {
  return Buffer.from(`portcullis audit tree head v1\n${head.log}\n${head.size}\n${head.root}\n${head.at}\n`);
}

/** The id of a public key: first 8 bytes of SHA-256 of its SPKI DER, hex. */
export function keyId(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}

/** A signing key with its id, held by the process that appends. */
export interface HeadSigner {
  readonly keyId: string;
  readonly publicKey: KeyObject;
  sign(head: UnsignedHead): SignedHead;
}

export function createHeadSigner(privateKey: KeyObject): HeadSigner {
  const publicKey = createPublicKey(privateKey);
  const id = keyId(publicKey);
  return {
    keyId: id,
    publicKey,
    sign: (head) => ({ ...head, key: id, sig: sign(null, headMessage(head), privateKey).toString('base64') }),
  };
}

/** Whether `head` carries a valid signature by one of `keys` (by key id). */
export function verifyHead(head: SignedHead, keys: ReadonlyMap<string, KeyObject>): boolean {
  const key = keys.get(head.key);
  if (key === undefined) return false;
  try {
    return verify(null, headMessage(head), key, Buffer.from(head.sig, 'base64'));
  } catch {
    return false;
  }
}
