import { hash, timingSafeEqual } from 'node:crypto';
import type { AdminPrincipal } from './config.ts';

const BEARER = /^Bearer ([\x21-\x7e]{1,512})$/;

export type AdminAuthentication =
  | { readonly ok: true; readonly principal: AdminPrincipal }
  | { readonly ok: false; readonly code: 'credential_missing' | 'credential_invalid' };

/**
 * Finds the admin whose token the request carries (`Authorization: Bearer <token>`). The
 * token's SHA-256 is compared with every configured hash in constant time, and the loop
 * never stops early, so timing says nothing about which hash came close.
 */
export function authenticateAdmin(
  authorization: string | undefined,
  principals: readonly AdminPrincipal[],
): AdminAuthentication {
  if (authorization === undefined) return { ok: false, code: 'credential_missing' };
  const m = BEARER.exec(authorization);
  if (m === null) return { ok: false, code: 'credential_invalid' };
  const digest = hash('sha256', m[1]!, 'buffer');
  let found: AdminPrincipal | undefined;
  for (const principal of principals) {
    if (timingSafeEqual(digest, principal.sha256) && found === undefined) found = principal;
  }
  return found === undefined ? { ok: false, code: 'credential_invalid' } : { ok: true, principal: found };
}
