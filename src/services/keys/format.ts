import { hash, randomBytes } from 'node:crypto';

/**
 * API keys look like `ptc_<id>_<secret>`: `id` (12 base32 characters, 60 bits) is public
 * and names the key in logs and the store; `secret` is 32 random bytes, base64url. Only
 * the SHA-256 of the whole key is ever stored: with 256 bits of entropy a slow hash adds
 * nothing, and a fast one keeps verification off the request budget.
 */
export const API_KEY_PREFIX = 'ptc_';
export const API_KEY_ID_PATTERN = '^[a-z2-7]{12}$';

const ID_LENGTH = 12;
const SECRET_LENGTH = 43;
const KEY_LENGTH = API_KEY_PREFIX.length + ID_LENGTH + 1 + SECRET_LENGTH;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
const ID_CHARS = /^[a-z2-7]{12}$/;
const SECRET_CHARS = /^[A-Za-z0-9_-]{43}$/;

export interface GeneratedApiKey {
  readonly id: string;
  /** The whole key; shown once, never stored. */
  readonly key: string;
  readonly sha256: string;
}

export function generateApiKey(random: (size: number) => Buffer = randomBytes): GeneratedApiKey {
  const idBytes = random(ID_LENGTH);
  let id = '';
  for (const byte of idBytes) id += BASE32[byte & 31];
  const key = `${API_KEY_PREFIX}${id}_${random(32).toString('base64url')}`;
  return { id, key, sha256: hashApiKey(key) };
}

/** The key's public id when `key` has the API key shape, else undefined. */
export function apiKeyId(key: string): string | undefined {
  if (
    key.length !== KEY_LENGTH ||
    !key.startsWith(API_KEY_PREFIX) ||
    key[API_KEY_PREFIX.length + ID_LENGTH] !== '_'
  ) {
    return undefined;
  }
  const id = key.slice(API_KEY_PREFIX.length, API_KEY_PREFIX.length + ID_LENGTH);
  const secret = key.slice(API_KEY_PREFIX.length + ID_LENGTH + 1);
  return ID_CHARS.test(id) && SECRET_CHARS.test(secret) ? id : undefined;
}

export function hashApiKey(key: string): string {
  return hash('sha256', key, 'hex');
}
