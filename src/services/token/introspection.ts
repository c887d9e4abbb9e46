import type { AuditSink } from '../../audit/event.ts';
import type { Clock } from '../../clock.ts';
import {
  isRejection,
  type TokenVerifier,
  type VerifiedToken,
} from '../../pipeline/authenticate/token-verifier.ts';
import type { RevocationStore } from '../../store/lifecycle-types.ts';
import type { ClientRecord, ClientStore } from '../../store/token-types.ts';
import type { TokenServicePlan } from './plan.ts';

export interface IntrospectionDeps {
  readonly plan: TokenServicePlan;
  readonly verifier: TokenVerifier;
  readonly clients: ClientStore;
  readonly revocations: RevocationStore;
  readonly audit: AuditSink;
  readonly clock: Clock;
}

/** RFC 7662 §2.2: what an inactive token looks like, whatever the reason. */
const INACTIVE = Object.freeze({ active: false });

/**
 * A live token of the built-in service that belongs to the caller's partner (issued to
 * one of its clients), or undefined: a partner learns nothing about other partners' tokens.
 */
async function ownToken(
  token: string,
  caller: ClientRecord,
  deps: IntrospectionDeps,
): Promise<VerifiedToken | undefined> {
  const verified = await deps.verifier.verify(token);
  if (isRejection(verified) || !verified.issuer.builtIn) return undefined;
  const everyAudience = new Set([deps.plan.issuer, ...deps.plan.apisByAudience.keys()]);
  if (deps.verifier.live(verified, everyAudience) !== undefined) return undefined;
  const owner = deps.clients.find(verified.clientId!);
  if (owner === undefined || owner.revokedAt !== undefined || owner.partner !== caller.partner)
    return undefined;
  return verified;
}

/** RFC 7662: whether a token is active, and its claims if it is. */
export async function introspect(
  token: string,
  caller: ClientRecord,
  deps: IntrospectionDeps,
): Promise<object> {
  const verified = await ownToken(token, caller, deps);
  if (verified === undefined) return INACTIVE;
  const c = verified.claims;
  return {
    active: true,
    token_type: 'Bearer',
    client_id: verified.clientId,
    sub: c.sub,
    aud: c.aud,
    iss: c.iss,
    exp: c.exp,
    iat: c.iat,
    ...(c.nbf === undefined ? {} : { nbf: c.nbf }),
    jti: c.jti,
    ...(typeof c.scope === 'string' ? { scope: c.scope } : {}),
    ...(c.act === undefined ? {} : { act: c.act }),
  };
}

/**
 * RFC 7009: revokes a token of the caller's partner until it expires. Anything else
 * (unknown, expired, another partner's token) changes nothing and is answered the same.
 */
export async function revoke(
  token: string,
  caller: ClientRecord,
  decisionId: string,
  deps: IntrospectionDeps,
): Promise<void> {
  const verified = await ownToken(token, caller, deps);
  if (verified === undefined) return;
  const now = deps.clock.now();
  deps.revocations.revoke({
    jti: verified.jti!,
    partner: caller.partner,
    expiresAt: verified.expiresAt,
    revokedAt: now,
  });
  deps.audit.append({
    v: 1,
    kind: 'credential',
    action: 'access_token.revoked',
    at: now,
    actor: `client:${caller.id}`,
    partner: caller.partner,
    subject: verified.jti,
    decisionId,
    details: { client: verified.clientId ?? null, expires_at: verified.expiresAt },
  });
}
