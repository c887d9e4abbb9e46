import type { Exchange } from '../exchange.ts';
import { type CedarRequest, evaluate, type Policy } from './cedar.ts';
import type { AuthorizationPlan } from './config.ts';
import { type AuthorizationCounters, DecisionCache, emptyCounters } from './decision-cache.ts';
import { type AuthorizationRecord, differs, explain, type Outcome } from './outcome.ts';
import { PreparsedSets } from './preparsed-sets.ts';
import { applicationId, cedarRequest, decisionKey } from './request.ts';
import { operationAction } from './schema.ts';
import { type SlicedPolicies, sliceIds } from './slices.ts';

/** Slice name of partners with no policy of their own: the global policies alone. */
const GLOBAL_SLICE = '*';

/** The preparsed sets one partner's requests are evaluated against. */
interface Slice {
  /** The context attributes its policies read (`READS` bits). */
  readonly reads: number;
  readonly live: string;
  /** Undefined when the candidate set holds the very same policies for this partner. */
  readonly shadow: string | undefined;
}

/**
 * The policy decision point of one plan: Cedar over the partner's slice of the policy set,
 * behind a decision cache. Slices are parsed into Cedar once per plan, the first time a
 * partner calls, so a plan with thousands of partners loads in the time it takes to
 * validate it and idle partners cost nothing.
 */
export class DecisionPoint {
  readonly counters: AuthorizationCounters = emptyCounters();
  readonly #plan: AuthorizationPlan;
  readonly #version: string;
  readonly #cache: DecisionCache<AuthorizationRecord>;
  readonly #sets = new PreparsedSets();
  readonly #slices = new Map<string, Slice>();

  constructor(plan: AuthorizationPlan, version: string) {
    this.#plan = plan;
    this.#version = version;
    this.#cache = new DecisionCache(plan.settings.cache.maxEntries, this.counters);
  }

  /** Decides for an authenticated, routed exchange. Never throws for a request's content. */
  decide(ex: Exchange): AuthorizationRecord {
    const target = ex.route!.target;
    const action = operationAction(target.api, target.operation.id);
    const slice = this.#sliceFor(ex.identity!.partner);
    const key = decisionKey(ex, action, slice.reads);
    const cached = this.#cache.get(key);
    if (cached !== undefined) {
      if (cached.shadow !== undefined) this.counters.shadowDifferences++;
      return cached;
    }
    const record = this.#evaluate(ex, action, slice);
    if (record.errors.length > 0) this.counters.evaluationErrors++;
    if (record.shadow !== undefined) this.counters.shadowDifferences++;
    this.#cache.set(key, record);
    return record;
  }

  /** Empties this plan's Cedar sets; call once no request uses the plan. */
  close(): void {
    this.#sets.release();
  }

  #evaluate(ex: Exchange, action: string, slice: Slice): AuthorizationRecord {
    const request = cedarRequest(ex, action, slice.reads, this.#plan.timeZones);
    const live = this.#outcome(slice.live, request, ex, action);
    if (slice.shadow === undefined) return { ...live, shadow: undefined };
    const shadow = this.#outcome(slice.shadow, request, ex, action);
    return { ...live, shadow: differs(live, shadow) ? shadow : undefined };
  }

  #outcome(setId: string, request: CedarRequest, ex: Exchange, action: string): Outcome {
    const identity = ex.identity!;
    return explain({
      answer: evaluate(setId, request),
      grant: this.#plan.grants.get(identity.partner)?.get(action),
      scopes: identity.scopes,
      principal: applicationId(identity.partner, identity.application),
      action,
      planVersion: this.#version,
      partnerReasons: this.#plan.settings.partnerReasons,
    });
  }

  #sliceFor(partner: string): Slice {
    const { live, shadow } = this.#plan;
    const own = live.byPartner.has(partner) || shadow?.byPartner.has(partner) === true;
    const name = own ? `partner:${partner}` : GLOBAL_SLICE;
    let slice = this.#slices.get(name);
    if (slice !== undefined) return slice;
    const liveIds = sliceIds(live, own ? partner : GLOBAL_SLICE);
    const shadowIds = shadow === undefined ? undefined : sliceIds(shadow, own ? partner : GLOBAL_SLICE);
    const reads = [...liveIds, ...(shadowIds ?? [])].reduce(
      (bits, id) => bits | (live.policies.get(id) ?? shadow!.policies.get(id))!.reads,
      0,
    );
    slice = {
      reads,
      live: this.#load(name, live, liveIds),
      shadow:
        shadowIds === undefined || sameSlice(live, liveIds, shadow!, shadowIds)
          ? undefined
          : this.#load(`shadow:${name}`, shadow!, shadowIds),
    };
    this.#slices.set(name, slice);
    return slice;
  }

  #load(name: string, sliced: SlicedPolicies, ids: readonly string[]): string {
    const policies: Record<string, Policy> = {};
    for (const id of ids) policies[id] = sliced.policies.get(id)!.cedar;
    this.counters.slicesLoaded++;
    return this.#sets.add(name, policies);
  }
}

function sameSlice(
  a: SlicedPolicies,
  aIds: readonly string[],
  b: SlicedPolicies,
  bIds: readonly string[],
): boolean {
  if (aIds.length !== bIds.length) return false;
  const bSet = new Set(bIds);
  return aIds.every((id) => bSet.has(id) && a.policies.get(id) === b.policies.get(id));
}
