import type { Exchange } from '../exchange.ts';
import { type Denial, deny, type Stage } from '../stage.ts';
import type { GrantTable } from './config.ts';

/** Default deny: the caller's contract must grant the routed operation. */
export function createAuthorizeStage(grants: GrantTable): Stage {
  return function authorize(ex: Exchange): Denial | undefined {
    const partner = ex.identity!.partner;
    const operation = ex.route!.target.operation;
    if (grants.get(partner)?.has(operation) === true) return undefined;
    return deny('operation_not_granted', 'Your contract does not grant this operation.', {
      reason: `contract of ${partner} does not grant ${ex.route!.target.api}.${operation.id}`,
    });
  };
}
