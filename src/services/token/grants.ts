import type { JWTPayload } from 'jose';
import type { Clock } from '../../clock.ts';
import { type FormParams, singleParam } from '../../http/form.ts';
import { isRejection, type TokenVerifier } from '../../pipeline/authenticate/token-verifier.ts';
import type { ClientRecord } from '../../store/token-types.ts';
import { type AccessTokenClaims, type MintedToken, mintAccessToken } from './mint.ts';
import { type OAuthError, oauthError } from './oauth-error.ts';
import type { PartnerTokenPlan, TokenServicePlan } from './plan.ts';
import type { SigningKeyRing } from './signing-keys.ts';

export const CLIENT_CREDENTIALS = 'client_credentials';
export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt';

export interface GrantDeps {
  readonly plan: TokenServicePlan;
  readonly ring: SigningKeyRing;
  readonly verifier: TokenVerifier;
  readonly clock: Clock;
}

/** A successful token response (RFC 6749 §5.1, RFC 8693 §2.2.1). */
export interface TokenResponse {
  readonly access_token: string;
  readonly token_type: 'Bearer';
  readonly expires_in: number;
  readonly scope?: string;
  readonly issued_token_type?: string;
}

const REPEATED = oauthError('invalid_request', 'A parameter is repeated.');

function respond(minted: MintedToken, exchanged: boolean): TokenResponse {
  return {
    access_token: minted.token,
    token_type: 'Bearer',
    expires_in: minted.expiresIn,
    ...(minted.scope === '' ? {} : { scope: minted.scope }),
    ...(exchanged ? { issued_token_type: ACCESS_TOKEN_TYPE } : {}),
  };
}

/** The partner's token plan, or why it may not have tokens. */
function partnerPlan(client: ClientRecord, plan: TokenServicePlan): PartnerTokenPlan | OAuthError {
  return (
    plan.partners.get(client.partner) ??
    oauthError(
      'unauthorized_client',
      'This client may not obtain access tokens.',
      `contract of ${client.partner} does not accept tokens`,
    )
  );
}

/** RFC 8707: the API the token is for, from `resource` (or `audience`); else the contract's only API. */
function targetApi(form: FormParams, partner: PartnerTokenPlan, plan: TokenServicePlan): string | OAuthError {
  const resource = singleParam(form, 'resource');
  const audience = singleParam(form, 'audience');
  if (resource === null || audience === null) return oauthError('invalid_target', 'Name exactly one API.');
  if (resource !== undefined && audience !== undefined && resource !== audience) {
    return oauthError('invalid_target', 'resource and audience name different APIs.');
  }
  const named = resource ?? audience;
  if (named === undefined) {
    if (partner.apis.size === 1) return [...partner.apis.keys()][0]!;
    return oauthError('invalid_target', 'Name the API with the resource parameter.');
  }
  const api = plan.apisByAudience.get(named);
  if (api === undefined) return oauthError('invalid_target', 'The resource is not an API of this gateway.');
  return api;
}

/** Requested scopes (default: all of `allowed`); any scope beyond `allowed` is `invalid_scope`. */
function grantedScopes(form: FormParams, allowed: ReadonlySet<string>): string[] | OAuthError {
  const scope = singleParam(form, 'scope');
  if (scope === null) return REPEATED;
  if (scope === undefined) return [...allowed];
  const requested = [...new Set(scope.split(' ').filter((s) => s !== ''))];
  const excess = requested.filter((s) => !allowed.has(s));
  if (excess.length > 0) {
    return oauthError(
      'invalid_scope',
      'A requested scope is not granted to this client.',
      `scopes not granted: ${excess.join(' ')}`,
    );
  }
  return requested;
}

/** RFC 6749 §4.4: a token for the client itself, for one API, with scopes its contract grants there. */
export async function clientCredentials(
  client: ClientRecord,
  form: FormParams,
  deps: GrantDeps,
): Promise<TokenResponse | OAuthError> {
  const partner = partnerPlan(client, deps.plan);
  if ('error' in partner) return partner;
  const api = targetApi(form, partner, deps.plan);
  if (typeof api !== 'string') return api;
  const allowed = partner.apis.get(api);
  if (allowed === undefined) {
    return oauthError(
      'invalid_target',
      'This client may not obtain tokens for this API.',
      `contract of ${client.partner} grants nothing on ${api}`,
    );
  }
  const scopes = grantedScopes(form, allowed);
  if (!Array.isArray(scopes)) return scopes;
  const claims: AccessTokenClaims = {
    clientId: client.id,
    subject: client.id,
    audience: deps.plan.audiences.get(api)!,
    scopes,
  };
  return respond(await mintAccessToken(claims, deps), false);
}

/**
 * RFC 8693: the authenticated client (the actor) trades a token it holds for API A for a
 * token for API B that its contract allows, narrowed to the exchange's scopes. The new
 * token keeps the subject, names the client in `act`, and never outlives the old one.
 */
export async function tokenExchange(
  client: ClientRecord,
  form: FormParams,
  deps: GrantDeps,
): Promise<TokenResponse | OAuthError> {
  const partner = partnerPlan(client, deps.plan);
  if ('error' in partner) return partner;
  const subjectToken = singleParam(form, 'subject_token');
  const subjectType = singleParam(form, 'subject_token_type');
  const requestedType = singleParam(form, 'requested_token_type');
  if (subjectToken === null || subjectType === null || requestedType === null) return REPEATED;
  if (subjectToken === undefined || (subjectType !== ACCESS_TOKEN_TYPE && subjectType !== JWT_TOKEN_TYPE)) {
    return oauthError('invalid_request', 'Send an access token as subject_token.');
  }
  if (form.has('actor_token')) {
    return oauthError(
      'invalid_request',
      'actor_token is not supported: the authenticated client is the actor.',
    );
  }
  if (requestedType !== undefined && requestedType !== ACCESS_TOKEN_TYPE) {
    return oauthError('invalid_request', 'Only access tokens are issued.');
  }
  const to = targetApi(form, partner, deps.plan);
  if (typeof to !== 'string') return to;
  const verified = await deps.verifier.verify(subjectToken);
  if (isRejection(verified))
    return oauthError('invalid_request', 'The subject token is not valid.', verified.reason);

  // The exchange rules name the API the subject token was issued for.
  let allowed: ReadonlySet<string> | undefined;
  let from: string | undefined;
  for (const [api, targets] of partner.exchanges) {
    if (!targets.has(to) || deps.verifier.live(verified, verified.issuer.audiences.get(api)) !== undefined)
      continue;
    allowed = targets.get(to);
    from = api;
    break;
  }
  if (allowed === undefined || from === undefined) {
    const dead = deps.verifier.live(verified, new Set(verified.audiences));
    if (dead !== undefined)
      return oauthError('invalid_request', 'The subject token is not valid.', dead.reason);
    return oauthError(
      'invalid_target',
      'This exchange is not allowed.',
      `contract of ${client.partner} allows no exchange of this token for ${to}`,
    );
  }
  const scopes = grantedScopes(form, allowed);
  if (!Array.isArray(scopes)) return scopes;
  const act: JWTPayload = { sub: client.id };
  if (typeof verified.claims.act === 'object' && verified.claims.act !== null) act.act = verified.claims.act;
  const claims: AccessTokenClaims = {
    clientId: client.id,
    subject: verified.subject ?? verified.clientId ?? client.id,
    audience: deps.plan.audiences.get(to)!,
    scopes,
    act,
    notAfter: Math.floor(verified.expiresAt / 1000),
  };
  return respond(await mintAccessToken(claims, deps), true);
}
