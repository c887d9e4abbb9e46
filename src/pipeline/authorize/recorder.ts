import type { AuditSink } from '../../audit/event.ts';
import type { Clock } from '../../clock.ts';
import type { Logger } from '../../observe/logger.ts';
import type { Exchange } from '../exchange.ts';
import type { Recorder } from '../record/recorder.ts';

export interface AuthorizationRecorderDeps {
  readonly logger: Logger;
  readonly audit: AuditSink;
  readonly clock: Clock;
}

/**
 * Raises what authorisation found beyond the answer itself: a policy that failed to
 * evaluate (an alert: the request was denied, and a policy needs fixing) and a shadow
 * policy set that would have answered differently. Each is logged and audited.
 */
export function createAuthorizationRecorder(deps: AuthorizationRecorderDeps): Recorder {
  const audit = (ex: Exchange, action: string, details: Record<string, string | boolean>) =>
    deps.audit.append({
      v: 1,
      kind: 'decision',
      action,
      at: deps.clock.now(),
      actor: 'gateway',
      partner: ex.identity?.partner,
      subject: ex.planVersion,
      decisionId: ex.id,
      details,
    });
  return {
    request(ex) {
      const record = ex.authorization;
      if (record === undefined) return;
      const operation = `${ex.route!.target.api}.${ex.route!.target.operation.id}`;
      if (record.errors.length > 0) {
        deps.logger.error(
          {
            decision_id: ex.id,
            plan: ex.planVersion,
            partner: ex.identity?.partner,
            operation,
            errors: record.errors,
          },
          'authorization policy failed to evaluate; the request was denied',
        );
        audit(ex, 'authorization.policy_error', { operation, errors: record.errors.join('; ') });
      }
      const shadow = record.shadow;
      if (shadow !== undefined) {
        const summary = {
          operation,
          live: record.allowed ? 'allow' : record.denial!.code,
          shadow: shadow.allowed ? 'allow' : shadow.denial!.code,
          livePolicies: record.policies.join(' '),
          shadowPolicies: shadow.policies.join(' '),
        };
        deps.logger.warn(
          { decision_id: ex.id, plan: ex.planVersion, partner: ex.identity?.partner, ...summary },
          'shadow policies would answer differently',
        );
        audit(ex, 'authorization.shadow_difference', summary);
      }
    },
    listenerRejection() {},
  };
}
