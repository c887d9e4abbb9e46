import type { EntityUidJson, PolicyJson } from './cedar.ts';
import type { PolicyMap } from './operator-policies.ts';
import { ENTITY, qualified } from './schema.ts';

const PARTNER = qualified(ENTITY.partner);
const APPLICATION = qualified(ENTITY.application);

/**
 * A policy set cut by principal, so that a request is evaluated only against the
 * policies that can apply to its caller: that partner's own, plus the global ones.
 */
export interface SlicedPolicies {
  readonly policies: PolicyMap;
  /** Policies whose principal scope may match a principal of any partner. */
  readonly global: readonly string[];
  /** Policies whose principal scope can only match principals of that partner. */
  readonly byPartner: ReadonlyMap<string, readonly string[]>;
}

export function slicePolicies(policies: PolicyMap): SlicedPolicies {
  const global: string[] = [];
  const byPartner = new Map<string, string[]>();
  for (const [id, policy] of policies) {
    const partner = partnerOfScope(policy.principal);
    const own = partner === undefined ? global : byPartner.get(partner);
    if (own !== undefined) own.push(id);
    else byPartner.set(partner!, [id]);
  }
  return { policies, global, byPartner };
}

/** Ids of the policies that can apply to a principal of `partner`. */
export function sliceIds(sliced: SlicedPolicies, partner: string): readonly string[] {
  const own = sliced.byPartner.get(partner);
  return own === undefined ? sliced.global : [...own, ...sliced.global];
}

/**
 * The one partner whose principals a principal scope can match, or undefined when it may
 * match a principal of any partner. Principals are applications `<partner>/<name>` that
 * are members of `Partner::"<partner>"` (and, later, users under them); anything this
 * cannot tie to one partner is treated as global, which is always safe.
 */
export function partnerOfScope(scope: PolicyJson['principal']): string | undefined {
  let target: EntityUidJson | undefined;
  if (scope.op === '==' || scope.op === 'in') target = 'entity' in scope ? scope.entity : undefined;
  else if (scope.op === 'is' && scope.in !== undefined && 'entity' in scope.in) target = scope.in.entity;
  if (target === undefined) return undefined;
  const uid = '__entity' in target ? target.__entity : target;
  if (uid.type === PARTNER) return uid.id;
  const slash = uid.id.indexOf('/');
  if (uid.type === APPLICATION && slash > 0) return uid.id.slice(0, slash);
  return undefined;
}
