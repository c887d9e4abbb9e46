import type { ServerResponse } from 'node:http';
import { CLIENT_CREDENTIALS, TOKEN_EXCHANGE } from '../../../services/token/grants.ts';
import type { TokenServicePlan } from '../../../services/token/plan.ts';
import { JWKS_MAX_AGE_SECONDS, type SigningKeyRing } from '../../../services/token/signing-keys.ts';
import type { LocalEndpoint } from '../endpoint.ts';
import { INTROSPECTION_PATH, REVOCATION_PATH } from './introspection.ts';
import { TOKEN_PATH } from './token.ts';

export const JWKS_PATH = '/.well-known/jwks.json';
export const METADATA_PATH = '/.well-known/oauth-authorization-server';

const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt'];

/** Public, cacheable JSON (unlike the gateway's other answers, which are never cached). */
function sendPublicJson(res: ServerResponse, body: unknown, requestId: string, contentType: string): void {
  const text = JSON.stringify(body);
  res.statusCode = 200;
  res.setHeader('content-type', contentType);
  res.setHeader('cache-control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`);
  res.setHeader('x-request-id', requestId);
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
}

/** `GET /.well-known/jwks.json`: the signing keys, the next one included before it signs. */
export function createJwksEndpoint(ring: SigningKeyRing): LocalEndpoint {
  return {
    method: 'GET',
    path: JWKS_PATH,
    authenticated: false,
    handle(ex) {
      sendPublicJson(ex.res, ring.jwks(), ex.id, 'application/jwk-set+json');
      return undefined;
    },
  };
}

/** `GET /.well-known/oauth-authorization-server`: RFC 8414 server metadata. */
export function createMetadataEndpoint(plan: TokenServicePlan): LocalEndpoint {
  const metadata = Object.freeze({
    issuer: plan.issuer,
    token_endpoint: `${plan.issuer}${TOKEN_PATH}`,
    jwks_uri: `${plan.issuer}${JWKS_PATH}`,
    introspection_endpoint: `${plan.issuer}${INTROSPECTION_PATH}`,
    revocation_endpoint: `${plan.issuer}${REVOCATION_PATH}`,
    grant_types_supported: [CLIENT_CREDENTIALS, TOKEN_EXCHANGE],
    response_types_supported: [],
    token_endpoint_auth_methods_supported: AUTH_METHODS,
    token_endpoint_auth_signing_alg_values_supported: plan.assertionAlgorithms,
    introspection_endpoint_auth_methods_supported: AUTH_METHODS,
    revocation_endpoint_auth_methods_supported: AUTH_METHODS,
  });
  return {
    method: 'GET',
    path: METADATA_PATH,
    authenticated: false,
    handle(ex) {
      sendPublicJson(ex.res, metadata, ex.id, 'application/json');
      return undefined;
    },
  };
}
