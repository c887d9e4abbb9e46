import type { Clock } from '../clock.ts';
import type { RuntimePlan } from '../config/plan.ts';
import { clientAddress } from '../http/forwarded.ts';
import type { AnswerGate } from '../http/gated-response.ts';
import { traceContextFor, traceIdOf } from '../http/trace-context.ts';
import type { Logger } from '../observe/logger.ts';
import type { ExpiryRegistry } from '../observe/metrics/expiry.ts';
import { newTraceSampler } from '../observe/tracing/sampling.ts';
import type { SigningKeyRing } from '../services/token/signing-keys.ts';
import type { Stores } from '../store/types.ts';
import { createAnswerGate } from './audit/gate.ts';
import { createAuditAdmissionStage } from './audit/stage.ts';
import { createApiKeyAuthenticator } from './authenticate/api-key.ts';
import type { Authenticator } from './authenticate/authenticator.ts';
import { createBearerAuthenticator } from './authenticate/bearer.ts';
import { createTokenVerifier } from './authenticate/bearer-runtime.ts';
import { type AuthFailureThrottle, createAuthFailureGuard } from './authenticate/failure-throttle.ts';
import type { RemoteKeySets } from './authenticate/remote-jwks.ts';
import { createAuthenticateStage } from './authenticate/stage.ts';
import type { AuthorizationCounters } from './authorize/decision-cache.ts';
import { DecisionPoint } from './authorize/decision-point.ts';
import { createAuthorizeStage } from './authorize/stage.ts';
import { composePipeline, type PipelineHooks, type StageCounters } from './compose.ts';
import type { Exchange } from './exchange.ts';
import { createForwarder } from './forward/stage.ts';
import { createInspectStage } from './inspect/stage.ts';
import { createLimitStage, type LimitStageDeps } from './limit/stage.ts';
import { type PartnerUsage, usageSnapshot } from './limit/usage.ts';
import type { LocalEndpoint } from './local/endpoint.ts';
import { createHealthEndpoint } from './local/health.ts';
import { createOAuthEndpoints } from './local/oauth2/index.ts';
import { createLocalResponder } from './local/respond.ts';
import { createUsageEndpoint } from './local/usage.ts';
import { createRouteStage } from './route/stage.ts';

export interface PipelineDeps {
  readonly stores: Stores;
  readonly clock: Clock;
  /** Whether the gateway is draining before shutdown (the health endpoint says so). */
  readonly isDraining: () => boolean;
  /** The process's limit store, upstream health signal and limit counters (they outlive plans). */
  readonly limits: LimitStageDeps;
  /** The process's count of failed authentications per client address (it outlives plans). */
  readonly authFailures: AuthFailureThrottle;
  /** External issuers' JWKS, cached for the process (it outlives plans). */
  readonly remoteKeys: RemoteKeySets;
  /** The token service's signing keys, one ring per process, opened on first use. */
  readonly signingKeys: () => SigningKeyRing;
  /** For operational warnings (an issuer's JWKS failing) and alerts raised on the request path (e.g. malware scanning unavailable). */
  readonly logger: Logger;
  /** Where certificate and key expiry is reported, for the metrics. */
  readonly expiry?: ExpiryRegistry | undefined;
  /** Told about each request served without its audit event (a fail-open contract, buffer full). */
  readonly unaudited?: ((ex: Exchange) => void) | undefined;
}

/** A plan made live: its stages, its upstream pools, and the counters they keep. */
export interface PlanRuntime {
  readonly plan: RuntimePlan;
  readonly counters: readonly StageCounters[];
  /** Decision cache hits and misses, evaluation errors, shadow differences (this plan's). */
  readonly authorization: AuthorizationCounters;
  /** Holds every answer of this plan until its decision's audit event is committed. */
  readonly answerGate: AnswerGate;
  handle(ex: Exchange): void;
  /** Every limited partner's current usage, for a metrics exporter. */
  limitUsage(): Promise<PartnerUsage[]>;
  /** Releases the plan's resources (connection pools, Cedar policy sets); call once no request uses it. */
  close(): Promise<void>;
}

/**
 * The order of stages, written once:
 * route -> authenticate -> limit -> inspect -> authorize -> audit admission -> forward
 * (record runs when the response closes; the answer gate holds every answer until its audit
 * event is committed).
 * Requests for the gateway's own endpoints skip the stages marked `forLocal: false` and
 * are answered by the endpoint instead of forwarded.
 */
export function createPlanRuntime(plan: RuntimePlan, deps: PipelineDeps, hooks: PipelineHooks): PlanRuntime {
  const localEndpoints: LocalEndpoint[] = [
    createHealthEndpoint(deps.isDraining),
    createUsageEndpoint(plan.limits, deps.limits.store),
  ];
  const failures = createAuthFailureGuard(deps.authFailures, plan.authentication.failureThrottle, deps.clock);
  const authenticators: Authenticator[] = [
    createApiKeyAuthenticator(plan.authentication, { store: deps.stores.apiKeys, clock: deps.clock }),
  ];
  const bearer = plan.authentication.bearer;
  if (bearer !== undefined) {
    const ring = plan.tokens === undefined ? undefined : deps.signingKeys();
    if (ring !== undefined) ring.ensure(plan.tokens!.signing);
    const verifier = createTokenVerifier(bearer, {
      clock: deps.clock,
      revocations: deps.stores.revocations,
      remoteKeys: deps.remoteKeys,
      builtInKeys: ring,
    });
    authenticators.push(createBearerAuthenticator(bearer, { verifier, clients: deps.stores.clients }));
    if (ring !== undefined) {
      localEndpoints.push(
        ...createOAuthEndpoints(plan.tokens!, {
          ring,
          verifier,
          stores: deps.stores,
          clock: deps.clock,
          failures,
        }),
      );
    }
  }
  const credentialHeaders = new Set(['authorization', plan.authentication.apiKeyHeader]);
  const forwarder = createForwarder(
    plan.upstreams,
    { credentials: credentialHeaders, trusted: plan.trustedProxies, proto: 'http' },
    hooks.reject,
  );
  const answerLocally = createLocalResponder(hooks);
  const decisionPoint = new DecisionPoint(plan.authorization, plan.version);
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
      {
        name: 'authenticate',
        run: createAuthenticateStage(authenticators, { partners: deps.stores.partners, failures }),
        enforced: true,
        forLocal: true,
      },
      { name: 'limit', run: createLimitStage(plan.limits, deps.limits), enforced: true, forLocal: false },
      {
        name: 'inspect',
        run: createInspectStage(plan.inspection, {
          audit: deps.stores.audit,
          clock: deps.clock,
          logger: deps.logger,
        }),
        enforced: true,
        forLocal: false,
      },
      {
        name: 'authorize',
        run: createAuthorizeStage(decisionPoint),
        enforced: plan.authorization.settings.enforced,
        forLocal: false,
      },
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
  const tracing = plan.gateway.tracing;
  const sampleNewTrace = tracing.enabled ? newTraceSampler(tracing.samplingRatio) : undefined;
  return {
    plan,
    counters: pipeline.counters,
    authorization: decisionPoint.counters,
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
        sampleNewTrace,
      );
      pipeline.run(ex);
    },
    limitUsage: () => usageSnapshot(plan.limits, deps.limits.store, deps.clock.now()),
    close: () => {
      decisionPoint.close();
      return forwarder.close();
    },
  };
}
