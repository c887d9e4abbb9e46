import type { ProblemCode } from '../http/problem-codes.ts';
import type { Exchange } from './exchange.ts';

/** Why a stage stopped a request. Becomes an RFC 9457 problem; `reason` goes to the audit log only. */
export interface Denial {
  readonly code: ProblemCode;
  /** Partner-visible, fixed sentence; never a request value. */
  readonly detail?: string | undefined;
  /** Response headers that belong with the problem (e.g. `allow`, `www-authenticate`). */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** Partner-safe extra problem members (e.g. a list of violations). */
  readonly extensions?: Readonly<Record<string, unknown>> | undefined;
  /** Operator-facing reason for the audit trail; never sent to the partner. */
  readonly reason?: string | undefined;
  /**
   * Recorded, not enforced: a stage whose enforcement is set per contract (a dry run)
   * reports what it would refuse this way, and the request goes on.
   */
  readonly shadow?: boolean | undefined;
}

export type Verdict = Denial | undefined;

/** A pipeline stage: returns a denial to stop the request, or undefined to let it pass. */
export type Stage = (ex: Exchange) => Verdict | Promise<Verdict>;

/** The last step: answers the request (forwarding it upstream). */
export type Responder = (ex: Exchange) => void;

export function deny(
  code: ProblemCode,
  detail?: string,
  extra?: Pick<Denial, 'headers' | 'extensions' | 'reason' | 'shadow'>,
): Denial {
  return { code, detail, ...extra };
}
