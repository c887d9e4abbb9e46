import { singleParam } from '../../../http/form.ts';
import { sendJson } from '../../../http/json.ts';
import {
  CLIENT_CREDENTIALS,
  clientCredentials,
  type GrantDeps,
  TOKEN_EXCHANGE,
  tokenExchange,
} from '../../../services/token/grants.ts';
import { isOAuthError, oauthError } from '../../../services/token/oauth-error.ts';
import type { LocalEndpoint } from '../endpoint.ts';
import { authenticatedClient, type OAuthClientDeps, readClientForm, sendOAuthError } from './respond.ts';

export const TOKEN_PATH = '/oauth2/token';

/**
 * `POST /oauth2/token`: grants `client_credentials` (RFC 6749 §4.4) and token exchange
 * (RFC 8693), for a client authenticated by secret or `private_key_jwt`.
 */
export function createTokenEndpoint(deps: OAuthClientDeps & GrantDeps): LocalEndpoint {
  return {
    method: 'POST',
    path: TOKEN_PATH,
    authenticated: false,
    async handle(ex) {
      const form = await readClientForm(ex, deps);
      if (form === undefined || 'code' in form) return form;
      const grant = singleParam(form, 'grant_type');
      if (typeof grant !== 'string') {
        sendOAuthError(ex, oauthError('invalid_request', 'Send exactly one grant_type.'));
        return undefined;
      }
      if (grant !== CLIENT_CREDENTIALS && grant !== TOKEN_EXCHANGE) {
        sendOAuthError(ex, oauthError('unsupported_grant_type', 'This grant type is not supported.'));
        return undefined;
      }
      const authenticated = await authenticatedClient(ex, form, deps);
      if (authenticated === undefined) return undefined;
      const result =
        grant === CLIENT_CREDENTIALS
          ? await clientCredentials(authenticated.client, form, deps)
          : await tokenExchange(authenticated.client, form, deps);
      if (isOAuthError(result)) sendOAuthError(ex, result);
      else sendJson(ex.res, 200, result, ex.id, { pragma: 'no-cache' });
      return undefined;
    },
  };
}
