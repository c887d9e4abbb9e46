import type { ProblemCode } from '../../http/problem-codes.ts';
import { type Denial, deny } from '../stage.ts';
import type { CedarAnswer } from './cedar.ts';
import type { AuthorizationConfig } from './config.ts';
import type { GrantRef } from './contract-policies.ts';

/** What one policy set answered for a request, ready to return (shared by cached requests). */
export interface Outcome {
  readonly allowed: boolean;
  /** The denial to return; undefined when allowed. */
  readonly denial: Denial | undefined;
  /**
   * The policies that determined the answer: the permits that allowed it, the forbids
   * that denied it, or the grant whose conditions or scopes were not met.
   */
  readonly policies: readonly string[];
  /** Evaluation errors, `policy id: message`; any error is a denial. */
  readonly errors: readonly string[];
}

/** What the authorisation stage leaves on the exchange for recorders (audit, logs, metrics). */
export interface AuthorizationRecord extends Outcome {
  /** The shadow policies' answer, present only when it differs from the live one. */
  readonly shadow: Outcome | undefined;
}

/** Everything `explain` needs to word a decision. */
export interface DecisionFacts {
  readonly answer: CedarAnswer;
  readonly grant: GrantRef | undefined;
  readonly scopes: ReadonlySet<string> | undefined;
  /** `<partner>/<application>` */
  readonly principal: string;
  readonly action: string;
  readonly planVersion: string;
  readonly partnerReasons: AuthorizationConfig['partnerReasons'];
}

/**
 * Turns Cedar's answer into the stage's outcome. Cedar decides; this only words a denial:
 * an evaluation error, then a forbid, then the absence of a grant, then missing scopes,
 * then unmet grant conditions. The reason names the policies and the plan version; the
 * partner sees policy ids only when `partnerReasons` says so, never policy text.
 */
export function explain(facts: DecisionFacts): Outcome {
  const { answer, grant } = facts;
  if (answer.errors.length === 0 && answer.allow) {
    return { allowed: true, denial: undefined, policies: answer.policies, errors: answer.errors };
  }
  const on = `${facts.action} for ${facts.principal} (plan ${facts.planVersion})`;
  let code: ProblemCode;
  let detail: string;
  let reason: string;
  let policies: readonly string[] = [];
  let headers: Record<string, string> | undefined;
  if (answer.errors.length > 0) {
    code = 'policy_evaluation_failed';
    detail = 'Authorisation could not be decided for this request.';
    reason = `policy evaluation failed on ${on}: ${answer.errors.join('; ')}`;
  } else if (answer.policies.length > 0) {
    code = 'operation_forbidden';
    detail = 'A policy forbids this request.';
    policies = answer.policies;
    reason = `forbidden by ${policies.join(', ')}: ${on}`;
  } else if (grant === undefined) {
    code = 'operation_not_granted';
    detail = 'Your contract does not grant this operation.';
    reason = `no policy permits ${on}`;
  } else if (facts.scopes !== undefined && grant.scopes.some((s) => !facts.scopes!.has(s))) {
    code = 'insufficient_scope';
    detail = 'The credential lacks a scope this operation requires.';
    policies = [grant.policyId];
    const missing = grant.scopes.filter((s) => !facts.scopes!.has(s));
    reason = `missing scopes ${missing.join(' ')} required by ${grant.policyId}: ${on}`;
    // RFC 6750 §3.1: say which scopes would do.
    headers = { 'www-authenticate': `Bearer error="insufficient_scope", scope="${grant.scopes.join(' ')}"` };
  } else {
    code = 'grant_conditions_unmet';
    detail = 'This request does not meet the conditions under which your contract grants the operation.';
    policies = [grant.policyId];
    reason = `conditions of ${grant.policyId} not met: ${on}`;
  }
  const extensions = facts.partnerReasons === 'policy-ids' && policies.length > 0 ? { policies } : undefined;
  return {
    allowed: false,
    denial: deny(code, detail, { reason, headers, extensions }),
    policies,
    errors: answer.errors,
  };
}

/** Whether two answers to the same request differ in what the caller would get. */
export function differs(live: Outcome, shadow: Outcome): boolean {
  return live.allowed !== shadow.allowed || live.denial?.code !== shadow.denial?.code;
}
