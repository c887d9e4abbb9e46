import { singleParam } from '../../../http/form.ts';
import { sendJson } from '../../../http/json.ts';
import { type IntrospectionDeps, introspect, revoke } from '../../../services/token/introspection.ts';
import { oauthError } from '../../../services/token/oauth-error.ts';
import type { ClientRecord } from '../../../store/token-types.ts';
import type { Exchange } from '../../exchange.ts';
import type { LocalEndpoint } from '../endpoint.ts';
import { authenticatedClient, type OAuthClientDeps, readClientForm, sendOAuthError } from './respond.ts';

export const INTROSPECTION_PATH = '/oauth2/introspect';
export const REVOCATION_PATH = '/oauth2/revoke';

type Deps = OAuthClientDeps & IntrospectionDeps;

/** A POST endpoint about one `token`, for an authenticated client. */
function tokenEndpoint(
  path: string,
  deps: Deps,
  answer: (ex: Exchange, token: string, caller: ClientRecord) => Promise<void>,
): LocalEndpoint {
  return {
    method: 'POST',
    path,
    authenticated: false,
    async handle(ex) {
      const form = await readClientForm(ex, deps);
      if (form === undefined || 'code' in form) return form;
      const authenticated = await authenticatedClient(ex, form, deps);
      if (authenticated === undefined) return undefined;
      const token = singleParam(form, 'token');
      if (typeof token !== 'string' || token === '') {
        sendOAuthError(ex, oauthError('invalid_request', 'Send exactly one token.'));
        return undefined;
      }
      await answer(ex, token, authenticated.client);
      return undefined;
    },
  };
}

/** `POST /oauth2/introspect` (RFC 7662): only for an authenticated client, only about its partner's tokens. */
export function createIntrospectionEndpoint(deps: Deps): LocalEndpoint {
  return tokenEndpoint(INTROSPECTION_PATH, deps, async (ex, token, caller) => {
    sendJson(ex.res, 200, await introspect(token, caller, deps), ex.id);
  });
}

/** `POST /oauth2/revoke` (RFC 7009): revokes one of the partner's tokens; always 200. */
export function createRevocationEndpoint(deps: Deps): LocalEndpoint {
  return tokenEndpoint(REVOCATION_PATH, deps, async (ex, token, caller) => {
    await revoke(token, caller, ex.id, deps);
    ex.res.statusCode = 200;
    ex.res.setHeader('cache-control', 'no-store');
    ex.res.setHeader('x-request-id', ex.id);
    ex.res.setHeader('content-length', 0);
    ex.res.end();
  });
}
