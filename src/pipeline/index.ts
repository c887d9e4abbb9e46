import type { Clock } from '../clock.ts';
import type { RuntimePlan } from '../config/plan.ts';
import { clientAddress } from '../http/forwarded.ts';
import { traceContextFor, traceIdOf } from '../http/trace-context.ts';
import type { Stores } from '../store/types.ts';
import { createApiKeyAuthenticator } from './authenticate/api-key.ts';
import { createAuthenticateStage } from './authenticate/stage.ts';
import { createAuthorizeStage } from './authorize/stage.ts';
import { composePipeline, type PipelineHooks, type StageCounters } from './compose.ts';
import type { Exchange } from './exchange.ts';
import { createForwarder } from './forward/stage.ts';
import { createRouteStage } from './route/stage.ts';

export interface PipelineDeps {
  readonly stores: Stores;
  readonly clock: Clock;
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
 */
export function createPlanRuntime(plan: RuntimePlan, deps: PipelineDeps, hooks: PipelineHooks): PlanRuntime {
  const authenticators = [
    createApiKeyAuthenticator(plan.authentication, { store: deps.stores.apiKeys, clock: deps.clock }),
  ];
  const credentialHeaders = new Set(['authorization', plan.authentication.apiKeyHeader]);
  const forwarder = createForwarder(
    plan.upstreams,
    { credentials: credentialHeaders, trusted: plan.trustedProxies, proto: 'http' },
    hooks.reject,
  );
  const pipeline = composePipeline(
    [
      {
        name: 'route',
        run: createRouteStage({ table: plan.routes, limits: plan.http, headers: plan.headerRules }),
        enforced: true,
      },
      { name: 'authenticate', run: createAuthenticateStage(authenticators), enforced: true },
      { name: 'authorize', run: createAuthorizeStage(plan.grants), enforced: true },
    ],
    forwarder.respond,
    hooks,
  );
  const trusted = plan.trustedProxies;
  return {
    plan,
    counters: pipeline.counters,
    handle(ex) {
      const headers = ex.req.headers;
      if (trusted.any)
        ex.clientAddress = clientAddress(
          ex.peerAddress,
          headers['x-forwarded-for'] as string | undefined,
          trusted,
        );
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
