import type { Clock } from '../clock.ts';
import type { RuntimePlan } from '../config/plan.ts';
import { clientAddress } from '../http/forwarded.ts';
import { traceContextFor, traceIdOf } from '../http/trace-context.ts';
import { newTraceSampler } from '../observe/tracing/sampling.ts';
import type { Stores } from '../store/types.ts';
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
}

/** A plan made live: its stages, its upstream pools, and the counters they keep. */
export interface PlanRuntime {
  readonly plan: RuntimePlan;
  readonly counters: readonly StageCounters[];
  handle(ex: Exchange): void;
  /** Releases the plan's resources (connection pools); call once no request uses it. */
  close(): Promise<void>;
}

/**
 * The order of stages, written once:
 * route -> authenticate -> authorize -> forward (record runs when the response closes).
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
    ],
    (ex) => (ex.local === undefined ? forwarder.respond(ex) : answerLocally(ex)),
    hooks,
  );
  const trusted = plan.trustedProxies;
  const tracing = plan.gateway.tracing;
  const sampleNewTrace = tracing.enabled ? newTraceSampler(tracing.samplingRatio) : undefined;
  return {
    plan,
    counters: pipeline.counters,
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
        sampleNewTrace,
      );
      pipeline.run(ex);
    },
    close: () => forwarder.close(),
  };
}
