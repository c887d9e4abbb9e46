import { hash, timingSafeEqual } from 'node:crypto';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, type JWTPayload, jwtVerify } from 'jose';
import type { AuditSink } from '../../audit/event.ts';
import type { Clock } from '../../clock.ts';
import { type FormParams, singleParam } from '../../http/form.ts';
import type { PartnerStatusStore } from '../../store/lifecycle-types.ts';
import type { AssertionReplayStore, ClientRecord, ClientStore } from '../../store/token-types.ts';
import { CLIENT_ID_PATTERN } from './client-secret.ts';
import { type OAuthError, oauthError } from './oauth-error.ts';
import type { TokenServicePlan } from './plan.ts';

export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';

export interface AuthenticatedClient {
  readonly client: ClientRecord;
  readonly method: ClientAuthMethod;
}

export interface ClientAuthDeps {
  readonly plan: TokenServicePlan;
  readonly clients: ClientStore;
  readonly partners: PartnerStatusStore;
  readonly replay: AssertionReplayStore;
  readonly audit: AuditSink;
  readonly clock: Clock;
}

const MAX_ASSERTION_BYTES = 8192;
const FOREIGN_KEY_HEADERS = ['jku', 'x5u', 'x5c', 'jwk'];
/** Compared against when the client is unknown, so that case costs what a wrong secret does. */
const NO_SECRET = Buffer.alloc(32);
const keySets = new WeakMap<ClientRecord, ReturnType<typeof createLocalJWKSet>>();

const AUTH_FAILED = 'Client authentication failed.';

/** RFC 6749 §2.3.1: Basic credentials are form-urlencoded before base64. */
function formDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
}

/**
 * Authenticates the client of a token-service request by exactly one method (RFC 6749
 * §2.3): `client_secret_basic`, `client_secret_post`, or `private_key_jwt` (RFC 7523).
 * Secrets are compared by SHA-256 in constant time; every failure is audited and answers
 * the same `invalid_client`, whatever went wrong.
 */
export async function authenticateClient(
  authorization: string | undefined,
  form: FormParams,
  decisionId: string,
  deps: ClientAuthDeps,
): Promise<AuthenticatedClient | OAuthError> {
  const basic = authorization !== undefined && authorization.slice(0, 6).toLowerCase() === 'basic ';
  const post = form.has('client_secret');
  const jwt = form.has('client_assertion') || form.has('client_assertion_type');
  const methods = Number(basic) + Number(post) + Number(jwt);
  if (methods > 1) return oauthError('invalid_request', 'Use exactly one client authentication method.');
  const formClientId = singleParam(form, 'client_id');
  if (formClientId === null)
    return oauthError('invalid_request', 'A parameter is repeated.', 'client_id repeated');

  const fail = (
    method: ClientAuthMethod | 'none',
    clientId: string | undefined,
    reason: string,
    client?: ClientRecord,
  ) => {
    deps.audit.append({
      v: 1,
      kind: 'credential',
      action: 'client.authentication_failed',
      at: deps.clock.now(),
      actor: 'client',
      partner: client?.partner,
      subject: clientId !== undefined && CLIENT_ID_PATTERN.test(clientId) ? clientId : 'malformed',
      decisionId,
      details: { method, reason },
    });
    return oauthError('invalid_client', AUTH_FAILED, `client authentication failed (${method}): ${reason}`);
  };

  if (jwt) return privateKeyJwt(form, formClientId, deps, fail);
  if (!basic && !post) return fail('none', formClientId, 'no client authentication');
  let id: string | undefined;
  let secret: string | undefined;
  if (basic) {
    const decoded = Buffer.from(authorization!.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    id = colon < 0 ? undefined : formDecode(decoded.slice(0, colon));
    secret = colon < 0 ? undefined : formDecode(decoded.slice(colon + 1));
    if (formClientId !== undefined && formClientId !== id) {
      return oauthError('invalid_request', 'client_id does not match the authenticated client.');
    }
  } else {
    id = formClientId;
    const fromForm = singleParam(form, 'client_secret');
    secret = fromForm ?? undefined;
  }
  const method = basic ? 'client_secret_basic' : 'client_secret_post';
  if (id === undefined || secret === undefined) return fail(method, id, 'malformed client credentials');
  const client = CLIENT_ID_PATTERN.test(id) ? deps.clients.find(id) : undefined;
  if (!secretMatches(client, secret, deps.clock.now())) {
    return fail(method, id, client === undefined ? 'unknown client' : 'wrong secret', client);
  }
  return usable(client!, method, deps, fail);
}

function secretMatches(client: ClientRecord | undefined, secret: string, now: number): boolean {
  const presented = hash('sha256', secret, 'buffer');
  const current = client?.secretSha256 === undefined ? NO_SECRET : Buffer.from(client.secretSha256, 'hex');
  const matchesCurrent = timingSafeEqual(presented, current) && client?.secretSha256 !== undefined;
  if (matchesCurrent) return true;
  const previous = client?.previousSecretSha256;
  const expires = client?.previousSecretExpiresAt ?? 0;
  return previous !== undefined && expires > now && timingSafeEqual(presented, Buffer.from(previous, 'hex'));
}

type Fail = (
  method: ClientAuthMethod,
  clientId: string | undefined,
  reason: string,
  client?: ClientRecord,
) => OAuthError;

function usable(
  client: ClientRecord,
  method: ClientAuthMethod,
  deps: ClientAuthDeps,
  fail: Fail,
): AuthenticatedClient | OAuthError {
  if (client.revokedAt !== undefined) return fail(method, client.id, 'client revoked', client);
  const status = deps.partners.get(client.partner)?.status ?? 'active';
  if (status !== 'active') return fail(method, client.id, `partner ${status}`, client);
  return { client, method };
}

/** RFC 7523 §3 and RFC 7521 §5.2: a JWT signed by a key registered for the client, used once. */
async function privateKeyJwt(
  form: FormParams,
  formClientId: string | undefined,
  deps: ClientAuthDeps,
  fail: Fail,
): Promise<AuthenticatedClient | OAuthError> {
  const method = 'private_key_jwt';
  const type = singleParam(form, 'client_assertion_type');
  const assertion = singleParam(form, 'client_assertion');
  if (type !== JWT_BEARER_ASSERTION || typeof assertion !== 'string') {
    return fail(method, formClientId, 'missing or unsupported client assertion type');
  }
  if (assertion.length > MAX_ASSERTION_BYTES) return fail(method, formClientId, 'client assertion too long');
  let unverified: JWTPayload;
  let header: Record<string, unknown>;
  try {
    unverified = decodeJwt(assertion);
    header = decodeProtectedHeader(assertion);
  } catch {
    return fail(method, formClientId, 'malformed client assertion');
  }
  const id = typeof unverified.sub === 'string' ? unverified.sub : undefined;
  if (formClientId !== undefined && formClientId !== id)
    return fail(method, id, 'client_id differs from the assertion subject');
  const client = id !== undefined && CLIENT_ID_PATTERN.test(id) ? deps.clients.find(id) : undefined;
  if (client === undefined) return fail(method, id, 'unknown client');
  if (client.keys.length === 0) return fail(method, id, 'no key registered', client);
  if (FOREIGN_KEY_HEADERS.some((h) => Object.hasOwn(header, h)))
    return fail(method, id, 'assertion header points at a key', client);

  const plan = deps.plan;
  const now = deps.clock.now();
  let keys = keySets.get(client);
  if (keys === undefined) {
    keys = createLocalJWKSet({ keys: [...client.keys] });
    keySets.set(client, keys);
  }
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(assertion, keys, {
      algorithms: [...plan.assertionAlgorithms],
      issuer: client.id,
      subject: client.id,
      audience: [plan.issuer, plan.tokenEndpoint],
      requiredClaims: ['exp', 'jti'],
      clockTolerance: plan.clockSkewSeconds,
      currentDate: new Date(now),
    }));
  } catch (error) {
    const { code, claim } = error as { code?: string; claim?: string };
    return fail(
      method,
      id,
      `assertion rejected: ${code ?? 'error'}${claim === undefined ? '' : ` (${claim})`}`,
      client,
    );
  }
  const skewMs = plan.clockSkewSeconds * 1000;
  const expiresAt = (payload.exp as number) * 1000;
  if (expiresAt - now > plan.assertionMaxLifetimeSeconds * 1000 + skewMs)
    return fail(method, id, 'assertion lives too long', client);
  if (typeof payload.iat === 'number' && payload.iat * 1000 > now + skewMs)
    return fail(method, id, 'assertion iat in the future', client);
  if (typeof payload.jti !== 'string' || payload.jti === '' || payload.jti.length > 256) {
    return fail(method, id, 'assertion jti is not a short string', client);
  }
  if (!deps.replay.remember(client.id, payload.jti, expiresAt + skewMs, now))
    return fail(method, id, 'assertion replayed', client);
  return usable(client, method, deps, fail);
}
