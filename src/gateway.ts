import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import { type Clock, systemClock } from './clock.ts';
import { ConfigError, type ConfigIssue } from './config/issues.ts';
import { compilePlan, type RuntimePlan } from './config/plan.ts';
import { listenFailed } from './errors.ts';
import { hasRequestBody } from './http/body.ts';
import type { GatedResponse } from './http/gated-response.ts';
import { createListener } from './http/listener.ts';
import { sendProblem } from './http/problem.ts';
import { PROBLEM_CODES } from './http/problem-codes.ts';
import type { Logger } from './observe/logger.ts';
import { type ExpiryRegistry, NO_EXPIRY_REGISTRY } from './observe/metrics/expiry.ts';
import { createMetricsRecorder } from './observe/metrics/recorder.ts';
import { GatewayMetrics } from './observe/metrics/registry.ts';
import { AuthFailureThrottle } from './pipeline/authenticate/failure-throttle.ts';
import { RemoteKeySets } from './pipeline/authenticate/remote-jwks.ts';
import { createAuthorizationRecorder } from './pipeline/authorize/recorder.ts';
import type { PipelineHooks } from './pipeline/compose.ts';
import { Exchange } from './pipeline/exchange.ts';
import { createPlanRuntime, type PlanRuntime } from './pipeline/index.ts';
import { LimitCounters } from './pipeline/limit/counters.ts';
import {
  combineHealthSignals,
  type UpstreamHealthSignal,
  UpstreamHealthTracker,
} from './pipeline/limit/health.ts';
import { createHealthRecorder } from './pipeline/limit/health-recorder.ts';
import type { LimitStageDeps } from './pipeline/limit/stage.ts';
import { auditListenerRejection, createAuditRecorder } from './pipeline/record/audit.ts';
import { combineRecorders } from './pipeline/record/combine.ts';
import { createLogRecorder, type Recorder } from './pipeline/record/recorder.ts';
import type { Denial } from './pipeline/stage.ts';
import { adminOpenApi } from './services/admin/openapi.ts';
import { ADMIN_OPERATIONS } from './services/admin/operations/index.ts';
import { AdminServer } from './services/admin/server.ts';
import { openSigningKeyRing, type SigningKeyRing } from './services/token/signing-keys.ts';
import { openLimitStore } from './store/limits/open.ts';
import type { LimitStore } from './store/limits/types.ts';
import { openStores } from './store/open.ts';
import type { Stores } from './store/types.ts';

export interface GatewayOptions {
  readonly configDir: string;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** Stores to use instead of opening the configured ones (the caller closes them). */
  readonly stores?: Stores;
  /** Recorders that receive every outcome besides the log (audit, metrics, tracing). */
  readonly recorders?: readonly Recorder[];
  /** An already compiled plan of `configDir`, to avoid compiling it twice at start. */
  readonly plan?: RuntimePlan;
  /** A limit store to use instead of opening the configured one (the caller closes it). */
  readonly limitStore?: LimitStore;
  /** Signals of upstream health besides the gateway's own (e.g. circuit breakers). */
  readonly upstreamHealth?: readonly UpstreamHealthSignal[];
}

export type ReloadResult =
  | { readonly ok: true; readonly version: string; readonly changed: boolean }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[] };

const PIPELINED_AFTER_REFUSAL: Denial = {
  code: 'request_malformed',
  detail: 'The connection was closed after a refused request.',
  reason: 'request pipelined behind a refused request on the same connection',
};

/** Settings of the socket listener itself, fixed when it was created. */
const LISTENER_SETTINGS = [
  'maxHeaderBytes',
  'headersTimeoutMs',
  'requestTimeoutMs',
  'keepAliveTimeoutMs',
] as const;

/** A plan in service, with the number of requests still using it. */
class Generation {
  readonly runtime: PlanRuntime;
  inflight = 0;
  #retired = false;
  #closed: Promise<void> | undefined;

  constructor(runtime: PlanRuntime) {
    this.runtime = runtime;
  }

  release(): void {
    if (--this.inflight === 0 && this.#retired) void this.close();
  }

  /** No new request will use this plan; its pools close once the last one finishes. */
  retire(): void {
    this.#retired = true;
    if (this.inflight === 0) void this.close();
  }

  close(): Promise<void> {
    this.#closed ??= this.runtime.close();
    return this.#closed;
  }
}

/**
 * The data plane of one process: a listener, the plan in service, and the swap from one
 * plan to the next. Requests in flight finish on the plan they started with.
 */
export class Gateway {
  readonly #options: GatewayOptions;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #stores: Stores;
  readonly #ownsStores: boolean;
  readonly #limits: LimitStageDeps;
  readonly #ownsLimitStore: boolean;
  readonly #recorder: Recorder;
  /** Metrics, kept only when an admin listener serves them. */
  readonly #metrics: GatewayMetrics | undefined;
  #admin: AdminServer | undefined;
  readonly #server: Server<typeof IncomingMessage, typeof GatedResponse>;
  #current: Generation;
  /** Connections that sent a non-canonical request: nothing more from them is forwarded. */
  readonly #refusedSockets = new WeakSet<Socket>();
  #inflight = 0;
  #draining = false;
  #reloading: Promise<ReloadResult> | undefined;
  #closing: Promise<void> | undefined;
  #signingKeys: SigningKeyRing | undefined;
  /** Failed authentications per client address: kept across plans, like the limits. */
  readonly #authFailures = new AuthFailureThrottle();
  /** External issuers' keys: kept across plans, so a reload neither refetches nor forgets them. */
  readonly #remoteKeys: RemoteKeySets;

  private constructor(options: GatewayOptions, plan: RuntimePlan, stores: Stores, limitStore: LimitStore) {
    this.#options = options;
    this.#logger = options.logger;
    this.#clock = options.clock ?? systemClock;
    this.#remoteKeys = new RemoteKeySets(this.#clock, (settings, error) =>
      this.#logger.warn(
        { jwks: settings.uri, err: (error as Error).message },
        "fetching an issuer's JWKS failed; its last good keys serve until they are too old",
      ),
    );
    this.#stores = stores;
    this.#ownsStores = options.stores === undefined;
    const upstreamHealth = new UpstreamHealthTracker(plan.gateway.limits.adaptive, this.#clock);
    this.#limits = {
      store: limitStore,
      health: combineHealthSignals([upstreamHealth, ...(options.upstreamHealth ?? [])]),
      counters: new LimitCounters(),
    };
    this.#ownsLimitStore = options.limitStore === undefined;
    this.#metrics =
      plan.gateway.listeners.admin === undefined ? undefined : new GatewayMetrics(() => stores.audit.stats());
    this.#recorder = combineRecorders(
      [
        createLogRecorder(options.logger),
        createHealthRecorder(upstreamHealth),
        createAuthorizationRecorder({ logger: options.logger, audit: stores.audit, clock: this.#clock }),
        createAuditRecorder(),
        ...(this.#metrics === undefined ? [] : [createMetricsRecorder(this.#metrics)]),
        ...(options.recorders ?? []),
      ],
      (error) => options.logger.error({ err: error }, 'a recorder failed'),
    );
    this.#current = new Generation(this.#createRuntime(plan));
    this.#server = createListener(plan.http, {
      onRequest: (req, res) => this.#handle(req, res),
      onRejected: (decisionId, code, peerAddress, reason) => {
        const rejection = { decisionId, code, peerAddress, reason };
        this.#recorder.listenerRejection(rejection);
        return auditListenerRejection(this.#stores.audit, this.plan.audit, rejection, this.#clock.now());
      },
      problemTypeBase: () => this.#current.runtime.plan.gateway.problems.typeBase,
    });
  }

  /** Compiles the configuration, opens the stores and starts listening. */
  static async start(options: GatewayOptions): Promise<Gateway> {
    const plan = options.plan ?? compilePlan(options.configDir);
    const stores =
      options.stores ??
      openStores(plan.gateway.store, plan.dir, plan.gateway.audit, {
        clock: options.clock,
        onError: (error, what) => options.logger.error({ err: error }, what),
      });
    const limitStore =
      options.limitStore ??
      openLimitStore(plan.gateway.limits, { clock: options.clock ?? systemClock, logger: options.logger });
    await limitStore.start();
    const gateway = new Gateway(options, plan, stores, limitStore);
    const { host, port } = plan.gateway.listeners.public;
    try {
      gateway.#server.listen(port, host);
      await once(gateway.#server, 'listening');
    } catch (error) {
      if (gateway.#ownsStores) await stores.close();
      if (gateway.#ownsLimitStore) await limitStore.close();
      await gateway.#current.close();
      throw listenFailed('the gateway', host, port, error);
    }
    try {
      await gateway.#startAdmin();
    } catch (error) {
      await gateway.close();
      throw error;
    }
    options.logger.info({ plan: plan.version, url: gateway.url }, 'gateway listening');
    gateway.#auditPlan('plan.applied', plan.version, { dir: plan.dir });
    return gateway;
  }

  get plan(): RuntimePlan {
    return this.#current.runtime.plan;
  }

  get runtime(): PlanRuntime {
    return this.#current.runtime;
  }

  get stores(): Stores {
    return this.#stores;
  }

  /** The limit store, upstream health signal and per-partner limit counters (for metrics). */
  get limits(): LimitStageDeps {
    return this.#limits;
  }

  /** Where the admin listener serves, when one is configured. */
  get adminUrl(): string | undefined {
    return this.#admin?.url;
  }

  /** Where other modules report certificate and key expiry (kept when metrics are served). */
  get expiry(): ExpiryRegistry {
    return this.#metrics?.expiry ?? NO_EXPIRY_REGISTRY;
  }

  async #startAdmin(): Promise<void> {
    const listener = this.plan.gateway.listeners.admin;
    if (listener === undefined || this.#metrics === undefined) return;
    const openapi = adminOpenApi(ADMIN_OPERATIONS, '1.0.0');
    this.#admin = await AdminServer.start({
      listener,
      operations: ADMIN_OPERATIONS,
      context: { audit: this.#stores.audit.backend, metrics: this.#metrics, openapi: () => openapi },
      principals: () => this.plan.adminTokens,
      typeBase: () => this.plan.gateway.problems.typeBase,
      planVersion: () => this.plan.version,
      audit: this.#stores.audit,
      clock: this.#clock,
      logger: this.#logger,
    });
    this.#logger.info({ url: this.#admin.url }, 'admin listener serving');
  }

  get url(): string {
    const address = this.#server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}`;
  }

  /**
   * Builds a new plan from the configuration directory and swaps it in if it is valid.
   * An invalid change is logged and the current plan keeps serving. Concurrent calls
   * share one reload.
   */
  reload(): Promise<ReloadResult> {
    this.#reloading ??= Promise.resolve()
      .then(() => this.#reload())
      .finally(() => {
        this.#reloading = undefined;
      });
    return this.#reloading;
  }

  #reload(): ReloadResult {
    let plan: RuntimePlan;
    try {
      plan = compilePlan(this.#options.configDir);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      this.#logger.error(
        { issues: error.issues },
        'configuration change rejected; the current plan keeps serving',
      );
      this.#auditPlan('plan.rejected', this.plan.version, { errors: error.issues.length });
      return { ok: false, issues: error.issues };
    }
    const old = this.#current;
    if (plan.version === old.runtime.plan.version) return { ok: true, version: plan.version, changed: false };
    this.#warnAboutRestartOnlyChanges(old.runtime.plan, plan);
    this.#current = new Generation(this.#createRuntime(plan));
    old.retire();
    this.#logger.info({ plan: plan.version, previous: old.runtime.plan.version }, 'plan reloaded');
    this.#auditPlan('plan.applied', plan.version, { previous: old.runtime.plan.version });
    return { ok: true, version: plan.version, changed: true };
  }

  #auditPlan(action: string, version: string, details: Record<string, string | number>): void {
    this.#stores.audit.append({
      v: 1,
      kind: 'config',
      action,
      at: this.#clock.now(),
      actor: 'gateway',
      subject: version,
      details,
    });
  }

  /**
   * Graceful shutdown: stop accepting, let requests in flight finish within the drain
   * bound, then cut what is left and release every resource.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#draining = true;
    await this.#admin?.close();
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeIdleConnections();
    const deadline = Date.now() + this.plan.gateway.shutdown.drainTimeoutMs;
    while (this.#inflight > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      this.#server.closeIdleConnections();
    }
    if (this.#inflight > 0)
      this.#logger.warn({ inflight: this.#inflight }, 'drain timeout: closing remaining connections');
    this.#server.closeAllConnections();
    await closed;
    await this.#current.close();
    if (this.#ownsStores) await this.#stores.close();
    if (this.#ownsLimitStore) await this.#limits.store.close();
    this.#logger.info('gateway stopped');
  }

  #createRuntime(plan: RuntimePlan): PlanRuntime {
    const runtime = this.#buildRuntime(plan);
    this.#metrics?.observeStages(runtime.counters);
    return runtime;
  }

  #buildRuntime(plan: RuntimePlan): PlanRuntime {
    const typeBase = plan.gateway.problems.typeBase;
    const hooks: PipelineHooks = {
      reject: (ex, denial) => this.#reject(ex, denial, typeBase),
      fail: (ex, error) => this.#fail(ex, error, typeBase),
    };
    return createPlanRuntime(
      plan,
      {
        stores: this.#stores,
        clock: this.#clock,
        isDraining: () => this.#draining,
        limits: this.#limits,
        authFailures: this.#authFailures,
        remoteKeys: this.#remoteKeys,
        signingKeys: () => this.#keyRing(plan),
        logger: this.#logger,
        expiry: this.expiry,
        unaudited: (ex) =>
          this.#logger.error(
            { decision_id: ex.id, partner: ex.identity?.partner },
            'request served without its audit event: the audit buffer is full and the contract fails open',
          ),
      },
      hooks,
    );
  }

  /** One key ring per process; the master key is read when a plan first needs it. */
  #keyRing(plan: RuntimePlan): SigningKeyRing {
    this.#signingKeys ??= openSigningKeyRing(plan, {
      expiry: this.expiry,
      stores: this.#stores,
      clock: this.#clock,
      actor: 'gateway',
    });
    return this.#signingKeys;
  }

  #handle(req: IncomingMessage, res: GatedResponse): void {
    const generation = this.#current;
    generation.inflight++;
    this.#inflight++;
    const ex = new Exchange(randomUUID(), req, res, this.#clock.now(), generation.runtime.plan.version);
    res.subject = ex;
    res.gate = generation.runtime.answerGate;
    if (this.#draining) res.setHeader('connection', 'close');
    res.on('close', () => {
      if (!res.writableFinished) ex.abortUpstream?.(new Error('client closed the connection'));
      generation.release();
      this.#inflight--;
      this.#recorder.request(ex);
    });
    if (this.#refusedSockets.has(req.socket)) {
      // Node may already have parsed a request pipelined behind a refused one.
      ex.stage = 'listener';
      ex.denial = PIPELINED_AFTER_REFUSAL;
      this.#reject(ex, PIPELINED_AFTER_REFUSAL, generation.runtime.plan.gateway.problems.typeBase);
      return;
    }
    generation.runtime.handle(ex);
  }

  #reject(ex: Exchange, denial: Denial, typeBase: string): void {
    if (ex.res.headersSent || ex.res.destroyed) return;
    // Close after a request that broke the canonical form (the client is not to be trusted
    // with the rest of its byte stream) or whose body is unread (it would be drained or,
    // worse, parsed as the next request).
    const listenerRefusal = PROBLEM_CODES[denial.code].stage === 'listener';
    if (listenerRefusal) this.#refusedSockets.add(ex.req.socket);
    if (listenerRefusal || (!ex.req.complete && hasRequestBody(ex.req)))
      ex.res.setHeader('connection', 'close');
    sendProblem(
      ex.res,
      { code: denial.code, decisionId: ex.id, detail: denial.detail, extensions: denial.extensions },
      typeBase,
      ex.responseHeaders === undefined ? denial.headers : { ...ex.responseHeaders, ...denial.headers },
    );
  }

  #fail(ex: Exchange, error: unknown, typeBase: string): void {
    this.#logger.error({ decision_id: ex.id, stage: ex.stage, err: error }, 'internal error');
    const denial: Denial = { code: 'internal_error', reason: `bug in stage ${ex.stage}` };
    ex.denial = denial;
    if (ex.res.headersSent) ex.res.destroy();
    else this.#reject(ex, denial, typeBase);
  }

  #warnAboutRestartOnlyChanges(old: RuntimePlan, next: RuntimePlan): void {
    const changed: string[] = [];
    // Key order differs with the order keys were written in the file and defaults filled in.
    const same = isDeepStrictEqual;
    if (!same(old.gateway.listeners, next.gateway.listeners)) changed.push('listeners');
    if (!same(old.gateway.store, next.gateway.store)) changed.push('store');
    if (
      old.gateway.limits.store !== next.gateway.limits.store ||
      !same(old.gateway.limits.redis, next.gateway.limits.redis)
    )
      changed.push('limits.store', 'limits.redis');
    if (!same(old.gateway.limits.adaptive, next.gateway.limits.adaptive)) changed.push('limits.adaptive');
    // The exporter is built once per process; the sampling ratio applies per plan.
    if (!same({ ...old.gateway.tracing, samplingRatio: 0 }, { ...next.gateway.tracing, samplingRatio: 0 }))
      changed.push('tracing');
    for (const key of LISTENER_SETTINGS) {
      if (old.http[key] !== next.http[key]) changed.push(`http.${key}`);
    }
    if (changed.length > 0) {
      this.#logger.warn({ keys: changed }, 'these settings take effect only after a restart');
    }
  }
}
