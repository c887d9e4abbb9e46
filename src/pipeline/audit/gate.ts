import type { AuditPlan } from '../../audit/config.ts';
import type { AuditLog } from '../../audit/log.ts';
import type { AnswerGate, GatedResponse } from '../../http/gated-response.ts';
import { problemJson } from '../../http/problem.ts';
import { PROBLEM_CODES } from '../../http/problem-codes.ts';
import type { Exchange } from '../exchange.ts';
import type { Denial } from '../stage.ts';
import { decisionEvent } from './decision-event.ts';

export const AUDIT_UNAVAILABLE: Denial = {
  code: 'audit_unavailable',
  detail: 'The request cannot be recorded right now. Try again later.',
  reason: 'the audit buffer is full: the audit store is not accepting events',
  headers: { 'retry-after': '1' },
};

/** Whether the plan records this request's decision. */
export function records(plan: AuditPlan, ex: Exchange): boolean {
  return plan.decisions === 'all' || (plan.decisions === 'denied' && ex.denial !== undefined);
}

/** Whether a request of this exchange may be served when its event cannot be taken. */
export function failsOpen(plan: AuditPlan, ex: Exchange): boolean {
  const partner = ex.identity?.partner;
  return partner !== undefined && plan.failOpen.has(partner);
}

export interface AnswerGateDeps {
  readonly log: AuditLog;
  readonly typeBase: string;
  /** Told about every decision served without its audit event (fail-open contracts). */
  readonly unaudited: (ex: Exchange) => void;
}

/**
 * The gate every answer of a plan passes (see `GatedResponse`): the decision's audit event
 * is queued and the answer held until it is committed, so no client learns an outcome
 * the log could lose in a crash. When the buffer is full the answer is replaced by a 503
 * `audit_unavailable` problem, unless the partner's contract fails open; either way the
 * missing event is counted. A response that closed unanswered only queues its event.
 */
export function createAnswerGate(plan: AuditPlan, deps: AnswerGateDeps): AnswerGate {
  const { log, typeBase } = deps;
  return function auditGate(res: GatedResponse, status, headers) {
    const ex = res.subject as Exchange;
    if (!records(plan, ex)) return undefined;
    const event = decisionEvent(ex, status, headers);
    if (status === 0) {
      log.append(event);
      return undefined;
    }
    const committed = log.submit(event);
    if (committed !== undefined) return committed;
    log.countDropped();
    if (failsOpen(plan, ex)) {
      deps.unaudited(ex);
      return undefined;
    }
    ex.denial = AUDIT_UNAVAILABLE;
    const body = problemJson(
      { code: 'audit_unavailable', decisionId: ex.id, detail: AUDIT_UNAVAILABLE.detail },
      typeBase,
    );
    res.answerInstead(
      PROBLEM_CODES.audit_unavailable.status,
      {
        'content-type': 'application/problem+json',
        'cache-control': 'no-store',
        'x-request-id': ex.id,
        'retry-after': '1',
        'content-length': Buffer.byteLength(body),
      },
      body,
    );
    return 'refused';
  };
}
