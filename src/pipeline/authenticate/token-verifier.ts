import { hash } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, type JWSHeaderParameters, type JWTPayload, jwtVerify } from 'jose';
import type { Clock } from '../../clock.ts';
import type { RevocationStore } from '../../store/lifecycle-types.ts';
import type { Identity } from '../identity.ts';
import type { BearerPlan, IssuerPlan } from './bearer-config.ts';
import type { IssuerKeys } from './issuer-keys.ts';
import { VerifiedTokenCache } from './verified-cache.ts';

/** A token whose signature and claims were verified. Immutable apart from the identity bound to it. */
export interface VerifiedToken {
  readonly issuer: IssuerPlan;
  /** SHA-256 of the token, base64: its cache key, and its id when it has no `jti`. */
  readonly tokenHash: string;
  readonly kid: string | undefined;
  readonly jti: string | undefined;
  /** `exp`, epoch milliseconds. */
  readonly expiresAt: number;
  readonly notBefore: number | undefined;
  readonly audiences: readonly string[];
  /** `client_id`, else `azp`. */
  readonly clientId: string | undefined;
  readonly subject: string | undefined;
  readonly scopes: ReadonlySet<string>;
  /** The RFC 8693 `act` chain, most recent actor first. */
  readonly actors: readonly string[];
  readonly claims: Readonly<JWTPayload>;
  /** The identity it proves, once bound by the authenticator (per plan, so safe to keep). */
  identity?: Identity;
}

/** Why a token is not accepted: `invalid` (401) or its issuer's keys `unavailable` (503). */
export interface TokenRejection {
  readonly rejected: 'invalid' | 'unavailable';
  /** Operator-facing; never sent to the caller. */
  readonly reason: string;
}

export type Verification = VerifiedToken | TokenRejection;

/** Header parameters that point at keys elsewhere: never followed, and a token carrying one is refused. */
const FOREIGN_KEY_HEADERS = ['jku', 'x5u', 'x5c', 'jwk'] as const;
const MAX_KID_LENGTH = 256;
const MAX_ACT_DEPTH = 8;

function invalid(reason: string): TokenRejection {
  return { rejected: 'invalid', reason };
}

export function isRejection(v: Verification): v is TokenRejection {
  return 'rejected' in v;
}

export interface TokenVerifierDeps {
  readonly clock: Clock;
  readonly revocations: RevocationStore;
  /** Key sources by issuer name. */
  readonly keys: ReadonlyMap<string, IssuerKeys>;
}

/**
 * Verifies bearer access tokens with `jose`: signature with an algorithm from the issuer's
 * allowlist, `iss`, `exp`, `nbf` and `iat` (bounded skew), `typ` where required, and a
 * bounded lifetime. The audience, revocation and key publication are checked by `live` on
 * every use, because they depend on the request or change during the token's life.
 */
export class TokenVerifier {
  readonly #plan: BearerPlan;
  readonly #deps: TokenVerifierDeps;
  readonly #skewMs: number;
  readonly #cache: VerifiedTokenCache<VerifiedToken>;
  readonly #inflight = new Map<string, Promise<Verification>>();

  constructor(plan: BearerPlan, deps: TokenVerifierDeps) {
    this.#plan = plan;
    this.#deps = deps;
    this.#skewMs = plan.clockSkewSeconds * 1000;
    this.#cache = new VerifiedTokenCache(plan.verifiedCacheSize);
  }

  /** Synchronous when the token was verified before and has not expired. */
  verify(token: string): Verification | Promise<Verification> {
    if (token.length > this.#plan.maxTokenBytes)
      return invalid(`token longer than ${this.#plan.maxTokenBytes} bytes`);
    const key = hash('sha256', token, 'base64');
    const cached = this.#cache.get(key, this.#deps.clock.now());
    if (cached !== undefined) return cached;
    let pending = this.#inflight.get(key);
    if (pending === undefined) {
      pending = this.#verifySignature(token, key).finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, pending);
    }
    return pending;
  }

  /**
   * What must hold on every use: not expired, valid already, meant for one of `audiences`
   * (undefined: nothing is accepted), signed by a key still published, not revoked.
   */
  live(token: VerifiedToken, audiences: ReadonlySet<string> | undefined): TokenRejection | undefined {
    const now = this.#deps.clock.now();
    if (token.expiresAt <= now) return invalid('token expired');
    if (token.notBefore !== undefined && token.notBefore > now + this.#skewMs)
      return invalid('token not valid yet');
    if (audiences === undefined || !token.audiences.some((a) => audiences.has(a))) {
      return invalid(`token audience is not this API (${token.issuer.name})`);
    }
    const key = this.#deps.keys.get(token.issuer.name)?.status(token.kid) ?? 'unavailable';
    if (key === 'unavailable')
      return { rejected: 'unavailable', reason: `keys of ${token.issuer.name} unavailable` };
    if (key === 'removed') {
      return invalid(`signing key ${token.kid ?? '(none)'} of ${token.issuer.name} is no longer published`);
    }
    if (token.issuer.builtIn && token.jti !== undefined && this.#deps.revocations.isRevoked(token.jti)) {
      return invalid(`token ${token.jti} is revoked`);
    }
    return undefined;
  }

  async #verifySignature(token: string, tokenHash: string): Promise<Verification> {
    let header: JWSHeaderParameters;
    let unverified: JWTPayload;
    try {
      header = decodeProtectedHeader(token) as JWSHeaderParameters;
      unverified = decodeJwt(token);
    } catch {
      return invalid('malformed token');
    }
    for (const name of FOREIGN_KEY_HEADERS) {
      if (Object.hasOwn(header, name))
        return invalid(`token header carries \`${name}\`, which is never followed`);
    }
    if (header.kid !== undefined && (typeof header.kid !== 'string' || header.kid.length > MAX_KID_LENGTH)) {
      return invalid('token kid is not a short string');
    }
    const issuer = typeof unverified.iss === 'string' ? this.#plan.issuers.get(unverified.iss) : undefined;
    if (issuer === undefined) return invalid('token issuer is not trusted');
    if (typeof header.alg !== 'string' || !issuer.algorithms.includes(header.alg)) {
      return invalid(`token alg ${String(header.alg)} is not allowed for ${issuer.name}`);
    }
    const keys = this.#deps.keys.get(issuer.name);
    if (keys === undefined) return { rejected: 'unavailable', reason: `no key source for ${issuer.name}` };
    const found = await keys.lookup(header);
    if ('unavailable' in found) return { rejected: 'unavailable', reason: found.unavailable };
    if ('missing' in found) return invalid(found.missing);

    const now = this.#deps.clock.now();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, found.key, {
        algorithms: [header.alg],
        issuer: issuer.iss,
        typ: issuer.typ,
        clockTolerance: this.#plan.clockSkewSeconds,
        currentDate: new Date(now),
        requiredClaims: issuer.builtIn ? ['exp', 'iat', 'jti', 'client_id'] : ['exp'],
      }));
    } catch (error) {
      const { code, claim } = error as { code?: string; claim?: string };
      return invalid(
        `token rejected by ${issuer.name}: ${code ?? 'error'}${claim === undefined ? '' : ` (${claim})`}`,
      );
    }
    return this.#accept(issuer, header, payload, tokenHash, now);
  }

  #accept(
    issuer: IssuerPlan,
    header: JWSHeaderParameters,
    payload: JWTPayload,
    tokenHash: string,
    now: number,
  ): Verification {
    const exp = (payload.exp as number) * 1000;
    if (typeof payload.iat === 'number' && payload.iat * 1000 > now + this.#skewMs)
      return invalid('token iat is in the future');
    if (exp - now > issuer.maxLifetimeSeconds * 1000 + this.#skewMs) {
      return invalid(`token lives longer than ${issuer.maxLifetimeSeconds} s`);
    }
    const audiences = typeof payload.aud === 'string' ? [payload.aud] : (payload.aud ?? []);
    if (!audiences.every((a) => typeof a === 'string')) return invalid('token aud is not a string list');
    const clientId = stringClaim(payload.client_id) ?? stringClaim(payload.azp);
    const jti = stringClaim(payload.jti);
    if (issuer.builtIn && (clientId === undefined || jti === undefined))
      return invalid('token client_id or jti is not a string');
    const verified: VerifiedToken = {
      issuer,
      tokenHash,
      kid: header.kid,
      jti,
      expiresAt: exp,
      notBefore: typeof payload.nbf === 'number' ? payload.nbf * 1000 : undefined,
      audiences,
      clientId,
      subject: stringClaim(payload.sub),
      scopes: scopesOf(payload),
      actors: actorsOf(payload.act),
      claims: payload,
    };
    this.#cache.set(tokenHash, verified);
    return verified;
  }
}

function stringClaim(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** `scope` (RFC 9068: space-separated) or `scp` (a list, as some identity providers send). */
function scopesOf(payload: JWTPayload): ReadonlySet<string> {
  if (typeof payload.scope === 'string') return new Set(payload.scope.split(' ').filter((s) => s !== ''));
  const scp = payload.scp;
  if (Array.isArray(scp)) return new Set(scp.filter((s): s is string => typeof s === 'string'));
  if (typeof scp === 'string') return new Set(scp.split(' ').filter((s) => s !== ''));
  return new Set();
}

/** RFC 8693 §4.1: `act` names the current actor; a nested `act` the one before it. */
function actorsOf(act: unknown): readonly string[] {
  const actors: string[] = [];
  let current = act;
  while (typeof current === 'object' && current !== null && actors.length < MAX_ACT_DEPTH) {
    const sub = (current as { sub?: unknown }).sub;
    if (typeof sub !== 'string') break;
    actors.push(sub);
    current = (current as { act?: unknown }).act;
  }
  return actors;
}
