import { inviteBody } from '../../../http/body.ts';
import { type FormParams, readForm } from '../../../http/form.ts';
import { sendJson } from '../../../http/json.ts';
import {
  type AuthenticatedClient,
  authenticateClient,
  type ClientAuthDeps,
} from '../../../services/token/client-auth.ts';
import { isOAuthError, type OAuthError, oauthError } from '../../../services/token/oauth-error.ts';
import type { AuthFailureGuard } from '../../authenticate/failure-throttle.ts';
import type { Exchange } from '../../exchange.ts';
import type { Denial } from '../../stage.ts';

/** What the endpoints that authenticate a client need. */
export interface OAuthClientDeps extends ClientAuthDeps {
  /** Counts this endpoint's `invalid_client` answers with the API's failed authentications. */
  readonly failures: AuthFailureGuard;
}

/** Token-service requests are small forms; a larger body is refused unread. */
const MAX_FORM_BYTES = 16 * 1024;

/**
 * Answers an RFC 6749 §5.2 error (`{error, error_description}`), not a problem: OAuth
 * clients expect this shape. The exchange still records it as a denial with its reason,
 * so logs and the audit trail see it like any other refusal.
 */
export function sendOAuthError(ex: Exchange, failure: OAuthError): void {
  ex.stage = 'token';
  ex.denial = { code: failure.error, detail: failure.description, reason: failure.reason };
  if (ex.res.headersSent || ex.res.destroyed) return;
  const headers: Record<string, string> = {};
  // RFC 6749 §5.2: a 401 names the scheme the client used (or could use).
  if (failure.error === 'invalid_client') headers['www-authenticate'] = 'Basic realm="portcullis"';
  if (!ex.req.complete) headers.connection = 'close';
  const status = failure.error === 'invalid_client' ? 401 : 400;
  sendJson(ex.res, status, { error: failure.error, error_description: failure.description }, ex.id, headers);
}

/**
 * Reads the form of a request to an endpoint that authenticates a client. A client address
 * that failed to authenticate too often is refused (the denial is returned) before anything
 * is read; a form that cannot be read is answered here (undefined is returned).
 */
export async function readClientForm(
  ex: Exchange,
  deps: OAuthClientDeps,
): Promise<FormParams | Denial | undefined> {
  const throttled = deps.failures.refusal(ex);
  if (throttled !== undefined) return throttled;
  inviteBody(ex.req, ex.res);
  const form = await readForm(ex.req, MAX_FORM_BYTES);
  if (form === 'aborted') return undefined;
  if (form === 'not_form') {
    sendOAuthError(
      ex,
      oauthError('invalid_request', 'Send the parameters as application/x-www-form-urlencoded.'),
    );
    return undefined;
  }
  if (form === 'too_large') {
    sendOAuthError(ex, oauthError('invalid_request', 'The request body is too large.'));
    return undefined;
  }
  return form;
}

/**
 * Authenticates the calling client and records it as the exchange's identity (logs and
 * audit then name its partner and application), or answers `invalid_client` (a failed
 * authentication of the client's address, see `failure-throttle.ts`).
 */
export async function authenticatedClient(
  ex: Exchange,
  form: FormParams,
  deps: OAuthClientDeps,
): Promise<AuthenticatedClient | undefined> {
  const result = await authenticateClient(ex.req.headers.authorization, form, ex.id, deps);
  if (isOAuthError(result)) {
    if (result.error === 'invalid_client') deps.failures.failed(ex);
    sendOAuthError(ex, result);
    return undefined;
  }
  ex.identity = {
    partner: result.client.partner,
    application: result.client.application,
    credential: {
      kind: result.method === 'private_key_jwt' ? 'client_assertion' : 'client_secret',
      id: result.client.id,
    },
  };
  return result;
}
