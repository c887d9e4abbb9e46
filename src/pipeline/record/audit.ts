import type { AuditPlan } from '../../audit/config.ts';
import type { AuditLog } from '../../audit/log.ts';
import { GatedResponse } from '../../http/gated-response.ts';
import { PROBLEM_CODES } from '../../http/problem-codes.ts';
import type { ListenerRejection, Recorder } from './recorder.ts';

/**
 * Records, when a response closes, the decisions the answer gate never saw: requests whose
 * client went away before any answer (their event is queued with status 0). Answered
 * requests were recorded by the gate before their first byte.
 */
export function createAuditRecorder(): Recorder {
  return {
    request(ex) {
      if (ex.res instanceof GatedResponse) ex.res.closedUnanswered();
    },
    listenerRejection() {},
  };
}

/**
 * Queues the event of a request the listener refused before it became an exchange and
 * returns the promise of its commit, which the listener waits for before answering.
 * Undefined when nothing is recorded or the buffer is full (counted; the refusal goes out).
 */
export function auditListenerRejection(
  log: AuditLog,
  plan: AuditPlan,
  rejection: ListenerRejection,
  now: number,
): Promise<void> | undefined {
  if (plan.decisions === 'none') return undefined;
  const committed = log.submit({
    v: 1,
    kind: 'decision',
    action: 'request.rejected',
    at: now,
    actor: 'anonymous',
    decisionId: rejection.decisionId,
    request: {
      outcome: 'deny',
      method: '',
      status: PROBLEM_CODES[rejection.code].status,
      latencyMs: 0,
      stage: 'listener',
      code: rejection.code,
      reason: rejection.reason,
      client: rejection.peerAddress,
    },
  });
  if (committed === undefined) log.countDropped();
  return committed;
}
