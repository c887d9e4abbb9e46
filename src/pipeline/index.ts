import type { Clock } from '../clock.ts';
import type { RuntimePlan } from '../config/plan.ts';
import { clientAddress } from '../http/forwarded.ts';
import type { AnswerGate } from '../http/gated-response.ts';
import { traceContextFor, traceIdOf } from '../http/trace-context.ts';
import type { ExpiryRegistry } from '../observe/metrics/expiry.ts';
import type { Stores } from '../store/types.ts';
import { createAnswerGate } from './audit/gate.ts';
import { createAuditAdmissionStage } from './audit/stage.ts';
import { createApiKeyAuthenticator } from './authenticate/api-key.ts';
import { createAuthenticateStage } from './authenticate/stage.ts';
import { createAuthorizeStage } from './authorize/stage.ts';
import { composePipeline, type PipelineHooks, type StageCounters } from './compose.ts';
import type { Exchange } from './exchange.ts';
import { createForwarder } from './forward/stage.ts';
import { createHealthEndpoint } from './local/health.ts';
import { createLocalResponder } from './local/respond.ts';
import { createRouteStage } from './route/stage.ts';

export interface PipelineDeps {
  readonly stores: Stores;
  readonly clock: Clock;
  /** Whether the gateway is draining before shutdown (the health endpoint says so). */
  readonly isDraining: () => boolean;
  /** Where certificate and key expiry is reported, for the metrics. */
  readonly expiry?: ExpiryRegistry | undefined;
  /** Told about each request served without its audit event (a fail-open contract, buffer full). */
  readonly unaudited?: ((ex: Exchange) => void) | undefined;
}

/** A plan made live: its stages, its upstream pools, and the counters they keep. */
export interface PlanRuntime {
  readonly plan: RuntimePlan;
  readonly counters: readonly StageCounters[];
  /** Holds every answer of this plan until its decision's audit event is committed. */
  readonly answerGate: AnswerGate;
  handle(ex: Exchange): void;
  /** Releases the plan's resources (connection pools); call once no request uses it. */
  close(): Promise<void>;
}

/**
 * The order of stages, written once:
 * route -> authenticate -> authorize -> audit admission -> forward (record runs when the
 * response closes; the answer gate holds every answer until its audit event is committed).
 * Requests for the gateway's own endpoints skip the stages marked `forLocal: false` and
 * are answered by the endpoint instead of forwarded.
 */
export function createPlanRuntime(plan: RuntimePlan, deps: PipelineDeps, hooks: PipelineHooks): PlanRuntime {
  const localEndpoints = [createHealthEndpoint(deps.isDraining)];
  const authenticators = [
    createApiKeyAuthenticator(plan.authentication, { store: deps.stores.apiKeys, clock: deps.clock }),
  ];
  const credentialHeaders = new Set(['authorization', plan.authentication.apiKeyHeader]);
  const forwarder = createForwarder(
    plan.upstreams,
    { credentials: credentialHeaders, trusted: plan.trustedProxies, proto: 'http' },
    hooks.reject,
  );
  const answerLocally = createLocalResponder(hooks);
  const pipeline = composePipeline(
    [
      {
        name: 'route',
        run: createRouteStage({
          table: plan.routes,
          limits: plan.http,
          headers: plan.headerRules,
          localEndpoints,
        }),
        enforced: true,
        forLocal: true,
      },
      { name: 'authenticate', run: createAuthenticateStage(authenticators), enforced: true, forLocal: true },
      { name: 'authorize', run: createAuthorizeStage(plan.grants), enforced: true, forLocal: false },
      {
        name: 'audit',
        run: createAuditAdmissionStage(plan.audit, deps.stores.audit),
        enforced: true,
        forLocal: false,
      },
    ],
    (ex) => (ex.local === undefined ? forwarder.respond(ex) : answerLocally(ex)),
    hooks,
  );
  const trusted = plan.trustedProxies;
  return {
    plan,
    counters: pipeline.counters,
    answerGate: createAnswerGate(plan.audit, {
      log: deps.stores.audit,
      typeBase: plan.gateway.problems.typeBase,
      unaudited: deps.unaudited ?? (() => {}),
    }),
    handle(ex) {
      const headers = ex.req.headers;
      if (trusted.any) {
        ex.clientAddress = clientAddress(
          ex.peerAddress,
          headers['x-forwarded-for'] as string | undefined,
          trusted,
        );
      }
      ex.trace = traceContextFor(
        headers.traceparent as string | undefined,
        headers.tracestate as string | undefined,
        traceIdOf(ex.id),
      );
      pipeline.run(ex);
    },
    close: () => forwarder.close(),
  };
}
