import type { Clock } from '../../clock.ts';
import type { Logger } from '../../observe/logger.ts';
import type { RevocationStore } from '../../store/lifecycle-types.ts';
import type { BearerPlan } from './bearer-config.ts';
import type { IssuerKeys } from './issuer-keys.ts';
import { RemoteKeySet } from './remote-jwks.ts';
import { TokenVerifier } from './token-verifier.ts';

export interface TokenVerifierRuntimeDeps {
  readonly clock: Clock;
  readonly revocations: RevocationStore;
  readonly logger: Logger;
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
      keys.set(
        issuer.name,
        new RemoteKeySet(issuer.jwks, deps.clock, (error) =>
          deps.logger.warn(
            { issuer: issuer.name, err: (error as Error).message },
            "fetching the issuer's JWKS failed; its last good keys serve until they are too old",
          ),
        ),
      );
    }
  }
  return new TokenVerifier(plan, { clock: deps.clock, revocations: deps.revocations, keys });
}
