import type { PartnerStatusStore } from '../../store/lifecycle-types.ts';
import type { Exchange } from '../exchange.ts';
import type { Identity } from '../identity.ts';
import { type Denial, deny, type Stage, type Verdict } from '../stage.ts';
import type { Authenticator } from './authenticator.ts';
import type { AuthFailureGuard } from './failure-throttle.ts';

const SUSPENDED = deny('partner_suspended', "Your organisation's access is suspended.");
const DECOMMISSIONED = deny('credential_invalid', 'The credential is not valid.');

/**
 * Exactly one credential: none is a 401 with every challenge, two different ones are
 * refused rather than picked between (the caller must be unambiguous about who it is).
 * Whatever the credential, the partner it proves must be neither suspended nor
 * decommissioned, checked on every request. A client address that presented too many
 * invalid credentials is refused before its next one is looked at (`failure-throttle.ts`).
 */
export function createAuthenticateStage(
  authenticators: readonly Authenticator[],
  deps: { readonly partners: PartnerStatusStore; readonly failures: AuthFailureGuard },
): Stage {
  const challenges = authenticators.map((a) => a.challenge).join(', ');
  const missing = deny('credential_missing', 'This operation requires a credential.', {
    headers: { 'www-authenticate': challenges },
  });
  const ambiguous = deny('credential_invalid', 'Present exactly one credential.', {
    reason: 'more than one kind of credential presented',
    headers: { 'www-authenticate': challenges },
  });

  function settle(ex: Exchange, result: Identity | Denial): Verdict {
    // RFC 9110 §11.6.1: every 401 carries a challenge.
    if ('code' in result) {
      if (result.code === 'credential_invalid') deps.failures.failed(ex);
      return result.headers === undefined ? { ...result, headers: missing.headers } : result;
    }
    const status = deps.partners.get(result.partner)?.status;
    if (status === 'suspended') return { ...SUSPENDED, reason: `partner ${result.partner} is suspended` };
    if (status === 'decommissioned') {
      return {
        ...DECOMMISSIONED,
        reason: `partner ${result.partner} is decommissioned`,
        headers: missing.headers,
      };
    }
    ex.identity = result;
    return undefined;
  }

  return function authenticate(ex: Exchange): Verdict | Promise<Verdict> {
    if (ex.local !== undefined && !ex.local.authenticated) return undefined;
    let chosen: Authenticator | undefined;
    for (const authenticator of authenticators) {
      if (!authenticator.presented(ex)) continue;
      if (chosen !== undefined) return ambiguous;
      chosen = authenticator;
    }
    if (chosen === undefined) return missing;
    const throttled = deps.failures.refusal(ex);
    if (throttled !== undefined) return throttled;
    const result = chosen.verify(ex);
    return result instanceof Promise ? result.then((r) => settle(ex, r)) : settle(ex, result);
  };
}
