import type { Clock } from '../../../clock.ts';
import type { TokenServicePlan } from '../../../services/token/plan.ts';
import type { SigningKeyRing } from '../../../services/token/signing-keys.ts';
import type { Stores } from '../../../store/types.ts';
import type { AuthFailureGuard } from '../../authenticate/failure-throttle.ts';
import type { TokenVerifier } from '../../authenticate/token-verifier.ts';
import type { LocalEndpoint } from '../endpoint.ts';
import { createJwksEndpoint, createMetadataEndpoint } from './discovery.ts';
import { createIntrospectionEndpoint, createRevocationEndpoint } from './introspection.ts';
import { createTokenEndpoint } from './token.ts';

/** The built-in token service's endpoints on the public listener. */
export function createOAuthEndpoints(
  plan: TokenServicePlan,
  deps: {
    readonly ring: SigningKeyRing;
    readonly verifier: TokenVerifier;
    readonly stores: Stores;
    readonly clock: Clock;
    readonly failures: AuthFailureGuard;
  },
): LocalEndpoint[] {
  const { stores, clock } = deps;
  const shared = {
    plan,
    ring: deps.ring,
    verifier: deps.verifier,
    clock,
    clients: stores.clients,
    partners: stores.partners,
    replay: stores.assertionReplay,
    revocations: stores.revocations,
    audit: stores.audit,
    failures: deps.failures,
  };
  return [
    createTokenEndpoint(shared),
    createIntrospectionEndpoint(shared),
    createRevocationEndpoint(shared),
    createJwksEndpoint(deps.ring),
    createMetadataEndpoint(plan),
  ];
}
