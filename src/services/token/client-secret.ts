import { hash, randomBytes } from 'node:crypto';

/**
 * Client ids look like `pcl_<16 base32>` (80 bits, public); client secrets like
 * `pcs_<43 base64url>` (256 bits). Secrets are always generated, never chosen by a person,
 * so a fast hash is enough: with 256 bits of entropy there is nothing for a slow KDF
 * (scrypt) to protect against, and a fast one keeps client authentication cheap enough
 * for the tokens-per-second budget. Only the SHA-256 is stored.
 */
export const CLIENT_ID_PATTERN = /^pcl_[a-z2-7]{16}$/;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

export function generateClientId(random: (size: number) => Buffer = randomBytes): string {
  let id = 'pcl_';
  for (const byte of random(16)) id += BASE32[byte & 31];
  return id;
}

export interface GeneratedSecret {
  /** The secret itself: shown once, never stored. */
  readonly secret: string;
  readonly sha256: string;
}

export function generateClientSecret(random: (size: number) => Buffer = randomBytes): GeneratedSecret {
  const secret = `pcs_${random(32).toString('base64url')}`;
  return { secret, sha256: hashClientSecret(secret) };
}

export function hashClientSecret(secret: string): string {
  return hash('sha256', secret, 'hex');
}
