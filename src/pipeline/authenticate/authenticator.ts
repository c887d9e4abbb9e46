import type { Exchange } from '../exchange.ts';
import type { Identity } from '../identity.ts';
import type { Denial } from '../stage.ts';

/**
 * One way of proving identity. `presented` says whether the request carries this kind of
 * credential at all (an authenticator whose credential is absent steps aside); `verify`
 * then decides, and only runs when it was presented. `verify` answers synchronously when
 * it can (an API key, an access token verified before) and with a promise otherwise.
 */
export interface Authenticator {
  readonly scheme: string;
  /** Challenge for `WWW-Authenticate` when no credential was presented. */
  readonly challenge: string;
  presented(ex: Exchange): boolean;
  verify(ex: Exchange): Identity | Denial | Promise<Identity | Denial>;
}
