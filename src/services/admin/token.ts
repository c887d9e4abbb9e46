import { hash, randomBytes } from 'node:crypto';

/** Admin tokens look like `pca_<43 base64url characters>` (256 random bits). */
export const ADMIN_TOKEN_PREFIX = 'pca_';

export interface GeneratedAdminToken {
  /** The token itself: shown once, never stored. */
  readonly token: string;
  /** What the configuration keeps. */
  readonly sha256: string;
}

export function generateAdminToken(): GeneratedAdminToken {
  const token = `${ADMIN_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { token, sha256: hashAdminToken(token) };
}

export function hashAdminToken(token: string): string {
  return hash('sha256', token, 'hex');
}
