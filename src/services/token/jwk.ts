import { createPublicKey, hash } from 'node:crypto';
import type { JWK } from 'jose';
import { PortcullisError } from '../../errors.ts';

/** RFC 7638 thumbprint: the SHA-256 of the key's required members in lexicographic order. */
export function jwkThumbprint(jwk: JWK): string {
  const members =
    jwk.kty === 'RSA'
      ? { e: jwk.e, kty: jwk.kty, n: jwk.n }
      : jwk.kty === 'EC'
        ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }
        : { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
  return hash('sha256', JSON.stringify(members), 'base64url');
}

const PUBLIC_MEMBERS = ['kty', 'crv', 'x', 'y', 'n', 'e', 'kid', 'alg', 'use'] as const;

/**
 * The public keys in `text`: a PEM public key, a JWK, or a JWK set. Private keys and
 * symmetric keys are refused (a client registers only what verifies its signatures).
 * Each key keeps only its public members and gets its thumbprint as `kid` if it has none.
 */
export function parsePublicKeys(text: string): JWK[] {
  const trimmed = text.trim();
  let candidates: unknown[];
  if (trimmed.startsWith('-----BEGIN')) {
    if (!trimmed.startsWith('-----BEGIN PUBLIC KEY-----'))
      throw invalid('give the public key, never the private one');
    candidates = [createPublicKey(trimmed).export({ format: 'jwk' })];
  } else {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw invalid('not a PEM public key, a JWK or a JWK set');
    }
    const set = (parsed as { keys?: unknown }).keys;
    candidates = Array.isArray(set) ? set : [parsed];
  }
  if (candidates.length === 0) throw invalid('the key set is empty');
  return candidates.map((candidate) => {
    const jwk = candidate as JWK;
    if (typeof jwk !== 'object' || jwk === null || !['RSA', 'EC', 'OKP'].includes(jwk.kty as string)) {
      throw invalid('only RSA, EC and OKP public keys can be registered');
    }
    if (jwk.d !== undefined || jwk.p !== undefined)
      throw invalid('give the public key, never the private one');
    try {
      createPublicKey({ key: jwk as never, format: 'jwk' });
    } catch (cause) {
      throw new PortcullisError('key_invalid', 'the key does not parse', { cause });
    }
    const clean: JWK = {};
    for (const member of PUBLIC_MEMBERS)
      if (jwk[member] !== undefined) (clean as Record<string, unknown>)[member] = jwk[member];
    clean.kid ??= jwkThumbprint(clean);
    return clean;
  });
}

function invalid(message: string): PortcullisError {
  return new PortcullisError('key_invalid', message);
}
