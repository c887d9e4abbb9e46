import type { Exchange } from '../exchange.ts';
import { type Denial, deny, type Stage } from '../stage.ts';
import type { Authenticator } from './authenticator.ts';

/**
 * Exactly one credential: none is a 401 with every challenge, two different ones are
 * refused rather than picked between (the caller must be unambiguous about who it is).
 */
export function createAuthenticateStage(authenticators: readonly Authenticator[]): Stage {
  const challenges = authenticators.map((a) => a.challenge).join(', ');
  const missing = deny('credential_missing', 'This operation requires a credential.', {
    headers: { 'www-authenticate': challenges },
  });
  const ambiguous = deny('credential_invalid', 'Present exactly one credential.', {
    reason: 'more than one kind of credential presented',
    headers: { 'www-authenticate': challenges },
  });
  return function authenticate(ex: Exchange): Denial | undefined {
    if (ex.local !== undefined && !ex.local.authenticated) return undefined;
    let chosen: Authenticator | undefined;
    for (const authenticator of authenticators) {
      if (!authenticator.presented(ex)) continue;
      if (chosen !== undefined) return ambiguous;
      chosen = authenticator;
    }
    if (chosen === undefined) return missing;
    const result = chosen.verify(ex);
    // RFC 9110 §11.6.1: every 401 carries a challenge.
    if ('code' in result)
      return result.headers === undefined ? { ...result, headers: missing.headers } : result;
    ex.identity = result;
    return undefined;
  };
}
