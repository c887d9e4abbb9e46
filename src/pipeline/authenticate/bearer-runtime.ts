import type { Clock } from '../../clock.ts';
import type { RevocationStore } from '../../store/lifecycle-types.ts';
import type { BearerPlan } from './bearer-config.ts';
import type { IssuerKeys } from './issuer-keys.ts';
import type { RemoteKeySets } from './remote-jwks.ts';
import { TokenVerifier } from './token-verifier.ts';

export interface TokenVerifierRuntimeDeps {
  readonly clock: Clock;
  readonly revocations: RevocationStore;
  /** External issuers' keys, cached for the process (they outlive plans). */
  readonly remoteKeys: RemoteKeySets;
  /** The built-in token service's keys, when it is configured. */
  readonly builtInKeys: IssuerKeys | undefined;
}

/** A plan's token verifier, with a key source per issuer: the key ring, or each issuer's JWKS. */
export function createTokenVerifier(plan: BearerPlan, deps: TokenVerifierRuntimeDeps): TokenVerifier {
  const keys = new Map<string, IssuerKeys>();
  for (const issuer of plan.issuers.values()) {
    if (issuer.builtIn) {
      if (deps.builtInKeys !== undefined) keys.set(issuer.name, deps.builtInKeys);
    } else if (issuer.jwks !== undefined) {
      keys.set(issuer.name, deps.remoteKeys.for(issuer.jwks));
    }
  }
  return new TokenVerifier(plan, { clock: deps.clock, revocations: deps.revocations, keys });
}
