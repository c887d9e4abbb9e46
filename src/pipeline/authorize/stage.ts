import type { Exchange } from '../exchange.ts';
import { type Denial, deny, type Stage } from '../stage.ts';
import type { GrantTable } from './config.ts';

/**
 * Default deny: the caller's contract must grant the routed operation, and a
 * scope-limited credential must carry every scope the grant requires.
 */
export function createAuthorizeStage(grants: GrantTable): Stage {
  return function authorize(ex: Exchange): Denial | undefined {
    const identity = ex.identity!;
    const target = ex.route!.target;
    const required = grants.get(identity.partner)?.get(target.operation);
    if (required === undefined) {
      return deny('operation_not_granted', 'Your contract does not grant this operation.', {
        reason: `contract of ${identity.partner} does not grant ${target.api}.${target.operation.id}`,
      });
    }
    const held = identity.scopes;
    if (held === undefined || required.length === 0) return undefined;
    const missing = required.filter((scope) => !held.has(scope));
    if (missing.length === 0) return undefined;
    return deny('insufficient_scope', 'The credential lacks a scope this operation requires.', {
      reason: `missing scopes ${missing.join(' ')} for ${target.api}.${target.operation.id}`,
      // RFC 6750 §3.1: say which scopes would do.
      headers: { 'www-authenticate': `Bearer error="insufficient_scope", scope="${required.join(' ')}"` },
    });
  };
}
