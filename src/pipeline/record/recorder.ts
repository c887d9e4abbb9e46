import type { ProblemCode } from '../../http/problem-codes.ts';
import type { Logger } from '../../observe/logger.ts';
import type { Exchange } from '../exchange.ts';

/** A request the listener refused before it became an exchange (it could not be parsed). */
export interface ListenerRejection {
  readonly decisionId: string;
  readonly code: ProblemCode;
  readonly peerAddress: string;
  readonly reason: string;
}

/** Receives the outcome of every request once its response is finished or abandoned. */
export interface Recorder {
  request(ex: Exchange): void;
  listenerRejection(event: ListenerRejection): void;
}

/** Logs each decision: denials at info, allowed requests at debug. */
export function createLogRecorder(logger: Logger): Recorder {
  return {
    request(ex) {
      const denial = ex.denial;
      if (denial === undefined && !logger.isLevelEnabled('debug')) return;
      const entry = {
        decision_id: ex.id,
        plan: ex.planVersion,
        method: ex.req.method,
        operation:
          ex.route === undefined ? undefined : `${ex.route.target.api}.${ex.route.target.operation.id}`,
        partner: ex.identity?.partner,
        application: ex.identity?.application,
        credential_id: ex.identity?.credential.id,
        user: ex.identity?.user,
        actors: ex.identity?.actors,
        client: ex.clientAddress,
        status: ex.res.statusCode,
        upstream_status: ex.upstreamStatus,
        duration_ms: Math.round((performance.now() - ex.startedAt) * 1000) / 1000,
        trace_id: ex.trace?.traceId,
        shadow_denials: ex.shadowDenials,
        aborted: !ex.res.writableFinished,
      };
      if (denial === undefined) logger.debug(entry, 'request allowed');
      else
        logger.info(
          { ...entry, stage: ex.stage, code: denial.code, reason: denial.reason },
          'request denied',
        );
    },
    listenerRejection(event) {
      logger.info(
        {
          decision_id: event.decisionId,
          code: event.code,
          client: event.peerAddress,
          reason: event.reason,
          stage: 'listener',
        },
        'request rejected by listener',
      );
    },
  };
}
