import type { LimitDecision } from '../../store/limits/types.ts';
import { NOMINAL_SECONDS } from './calendar.ts';
import type { LimitPolicy, RequestLimits } from './policy.ts';

/**
 * The fields of the IETF httpapi draft "RateLimit header fields for HTTP" (draft 11):
 * `RateLimit-Policy` lists each policy (`q` quota, `w` window in seconds, `qu` unit) and
 * `RateLimit` its current state (`r` units left, `t` seconds until fully restored). Both are
 * structured-field lists of strings with parameters.
 */
export const POLICY_FIELD = 'ratelimit-policy';
export const STATE_FIELD = 'ratelimit';

/** A policy name as a structured-field string, or undefined if it is not printable ASCII. */
export function quoteName(name: string): string | undefined {
  if (!/^[\x20-\x7e]*$/.test(name)) return undefined;
  return `"${name.replace(/[\\"]/g, '\\$&')}"`;
}

/** The `RateLimit-Policy` value of some policies; built once per plan. */
export function policyHeader(policies: readonly LimitPolicy[]): string {
  return policies
    .map((p) => {
      const name = quoteName(p.name)!;
      if (p.kind === 'rate') return `${name};q=${p.limit};w=${p.windowSeconds};portcullis-burst=${p.burst}`;
      if (p.kind === 'quota') return `${name};q=${p.limit};w=${NOMINAL_SECONDS[p.calendar.unit]}`;
      return `${name};q=${p.limit};qu="concurrent-requests"`;
    })
    .join(', ');
}

/** The `RateLimit` value after a decision. */
export function stateHeader(limits: RequestLimits, decision: LimitDecision): string {
  const names = limits.quotedNames;
  const policies = limits.policies;
  let out = '';
  for (let i = 0; i < names.length; i++) {
    if (i > 0) out += ', ';
    out += `${names[i]};r=${decision.remaining[i]}`;
    if (policies[i]!.kind !== 'concurrency') out += `;t=${Math.ceil(decision.resetMs[i]! / 1000)}`;
  }
  return out;
}

/** `Retry-After` in whole seconds, at least 1 (RFC 9110 §10.2.3). */
export function retryAfterSeconds(ms: number): string {
  return String(Math.max(1, Math.ceil(ms / 1000)));
}
