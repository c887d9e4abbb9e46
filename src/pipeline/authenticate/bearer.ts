import type { ClientStore } from '../../store/token-types.ts';
import type { Exchange } from '../exchange.ts';
import type { Identity } from '../identity.ts';
import { type Denial, deny } from '../stage.ts';
import type { Authenticator } from './authenticator.ts';
import type { BearerPlan } from './bearer-config.ts';
import {
  isRejection,
  type TokenRejection,
  type TokenVerifier,
  type Verification,
  type VerifiedToken,
} from './token-verifier.ts';

const SCHEME = 'bearer ';

// RFC 6750 §3.1: a 401 for a bad token says `invalid_token`; the detail stays generic.
const INVALID_TOKEN_HEADERS = { 'www-authenticate': 'Bearer error="invalid_token"' };

function invalid(reason: string): Denial {
  return deny('credential_invalid', 'The access token is not valid.', {
    reason,
    headers: INVALID_TOKEN_HEADERS,
  });
}

function rejected(r: TokenRejection): Denial {
  if (r.rejected === 'unavailable') {
    return deny(
      'issuer_unavailable',
      'The token issuer cannot be reached to check this token; retry later.',
      {
        reason: r.reason,
        headers: { 'retry-after': '30' },
      },
    );
  }
  return invalid(r.reason);
}

/**
 * Bearer access tokens (`Authorization: Bearer <jwt>`, RFC 6750) of the built-in token
 * service or of an external issuer. The token must name the API being called in `aud`;
 * it identifies a partner through its client (built-in tokens: the client's record;
 * external tokens: the contract's client ids or claim).
 */
export function createBearerAuthenticator(
  plan: BearerPlan,
  deps: { readonly verifier: TokenVerifier; readonly clients: ClientStore },
): Authenticator {
  function finish(ex: Exchange, result: Verification): Identity | Denial {
    if (isRejection(result)) return rejected(result);
    const issuer = result.issuer;
    const audiences =
      ex.route === undefined ? issuer.gatewayAudience : issuer.audiences.get(ex.route.target.api);
    const dead = deps.verifier.live(result, audiences);
    if (dead !== undefined) return rejected(dead);
    return issuer.builtIn ? bindBuiltIn(result) : bindExternal(result);
  }

  function bindBuiltIn(token: VerifiedToken): Identity | Denial {
    // The verifier guarantees a built-in token names its client.
    const client = deps.clients.find(token.clientId!);
    if (client === undefined || client.revokedAt !== undefined)
      return invalid(`client ${token.clientId} is revoked or unknown`);
    if (token.identity !== undefined) return token.identity;
    if (!plan.tokenPartners.has(client.partner)) {
      return invalid(`partner ${client.partner} has no contract accepting access tokens`);
    }
    token.identity = identityOf(token, client.partner, client.application);
    return token.identity;
  }

  function bindExternal(token: VerifiedToken): Identity | Denial {
    if (token.identity !== undefined) return token.identity;
    const issuer = token.issuer;
    let binding = token.clientId === undefined ? undefined : issuer.clients.get(token.clientId);
    if (binding === undefined) {
      const matches = issuer.claims.filter((c) => token.claims[c.claim] === c.value);
      if (matches.length > 1)
        return invalid(`token of ${issuer.name} matches the claims of several partners`);
      binding = matches[0];
    }
    if (binding === undefined) return invalid(`token of ${issuer.name} identifies no partner`);
    token.identity = identityOf(token, binding.partner, binding.application);
    return token.identity;
  }

  return {
    scheme: 'bearer',
    challenge: 'Bearer realm="portcullis"',
    presented(ex) {
      const authorization = ex.req.headers.authorization;
      return authorization !== undefined && authorization.slice(0, SCHEME.length).toLowerCase() === SCHEME;
    },
    verify(ex) {
      const token = ex.req.headers.authorization!.slice(SCHEME.length).trim();
      const result = deps.verifier.verify(token);
      return result instanceof Promise ? result.then((r) => finish(ex, r)) : finish(ex, result);
    },
  };
}

function identityOf(token: VerifiedToken, partner: string, application: string): Identity {
  return Object.freeze<Identity>({
    partner,
    application,
    credential: {
      kind: 'access_token',
      id: token.jti ?? `sha256:${token.tokenHash.slice(0, 22)}`,
      issuer: token.issuer.name,
    },
    scopes: token.scopes,
    user: token.subject !== undefined && token.subject !== token.clientId ? token.subject : undefined,
    actors: token.actors.length === 0 ? undefined : token.actors,
  });
}
