import type { AuditPlan } from '../../audit/config.ts';
import type { AuditLog } from '../../audit/log.ts';
import type { Stage } from '../stage.ts';
import { AUDIT_UNAVAILABLE, failsOpen, records } from './gate.ts';

/**
 * Refuses a request before it is forwarded when the audit log cannot take its event (the
 * buffer is full): the upstream must not act on a request whose record could not be kept.
 * The answer gate catches the same condition at answer time for everything else.
 */
export function createAuditAdmissionStage(plan: AuditPlan, log: AuditLog): Stage {
  return function auditAdmission(ex) {
    if (log.hasRoom() || !records(plan, ex) || failsOpen(plan, ex)) return undefined;
    return AUDIT_UNAVAILABLE;
  };
}
