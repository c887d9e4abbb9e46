import { randomUUID } from 'node:crypto';
import { type JWTPayload, SignJWT } from 'jose';
import type { Clock } from '../../clock.ts';
import type { TokenServicePlan } from './plan.ts';
import type { SigningKeyRing } from './signing-keys.ts';

export interface AccessTokenClaims {
  readonly clientId: string;
  /** The resource owner; the client itself for client credentials (RFC 9068 §2.2). */
  readonly subject: string;
  readonly audience: string;
  readonly scopes: readonly string[];
  /** RFC 8693 §4.1 delegation chain. */
  readonly act?: JWTPayload | undefined;
  /** The token must not outlive this (epoch seconds): an exchanged token its subject token. */
  readonly notAfter?: number | undefined;
}

export interface MintedToken {
  readonly token: string;
  readonly jti: string;
  readonly expiresIn: number;
  readonly scope: string;
}

/**
 * Signs an RFC 9068 JWT access token (`typ: at+jwt`) with the ring's current key: `iss`,
 * `sub`, `aud` (one API), `client_id`, `scope`, `iat`, `exp`, a fresh `jti`, and `act` for
 * an exchanged token.
 */
export async function mintAccessToken(
  claims: AccessTokenClaims,
  deps: { readonly plan: TokenServicePlan; readonly ring: SigningKeyRing; readonly clock: Clock },
): Promise<MintedToken> {
  const key = deps.ring.signingKey(deps.plan.signing);
  const iat = Math.floor(deps.clock.now() / 1000);
  const exp = Math.min(iat + deps.plan.accessTokenTtlSeconds, claims.notAfter ?? Number.POSITIVE_INFINITY);
  const jti = randomUUID();
  const scope = claims.scopes.join(' ');
  const payload: JWTPayload = { client_id: claims.clientId };
  if (scope !== '') payload.scope = scope;
  if (claims.act !== undefined) payload.act = claims.act;
  const token = await new SignJWT(payload)
    .setProtectedHeader({ alg: key.alg, typ: 'at+jwt', kid: key.kid })
    .setIssuer(deps.plan.issuer)
    .setSubject(claims.subject)
    .setAudience(claims.audience)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .setJti(jti)
    .sign(key.privateKey);
  return { token, jti, expiresIn: exp - iat, scope };
}
