import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { AuditLogStats } from '../../audit/log.ts';
import type { StageCounters } from '../../pipeline/compose.ts';
import { type ExpiryRegistry, expiryRegistry } from './expiry.ts';

/** Seconds: from tens of microseconds (a stage) to tens of seconds (a slow upstream). */
const LATENCY_BUCKETS = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
  30,
];

/**
 * The gateway's Prometheus metrics, in a registry of its own. Label values come only from
 * the configuration (partner, operation, API, stage, code) or from small closed sets
 * (status, result, class), never from a request, so the number of series stays bounded.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'partner' | 'operation' | 'status'>;
  readonly requestDuration: Histogram;
  readonly denials: Counter<'stage' | 'code'>;
  readonly shadowDenials: Counter<'stage' | 'code'>;
  readonly stageDuration: Histogram<'stage'>;
  readonly upstreamResponses: Counter<'api' | 'class'>;
  readonly upstreamUp: Gauge<'api'>;
  readonly expiry: ExpiryRegistry;
  readonly #stageCounters: (readonly StageCounters[])[] = [];

  constructor(auditStats: () => AuditLogStats) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({
      name: 'portcullis_requests_total',
      help: 'Requests answered, by partner (empty before authentication), operation and status (0: no answer)',
      labelNames: ['partner', 'operation', 'status'],
      registers,
    });
    this.requestDuration = new Histogram({
      name: 'portcullis_request_duration_seconds',
      help: 'Time from arrival to the end of the response',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.denials = new Counter({
      name: 'portcullis_denials_total',
      help: 'Requests refused, by the stage that refused and the problem code',
      labelNames: ['stage', 'code'],
      registers,
    });
    this.shadowDenials = new Counter({
      name: 'portcullis_shadow_denials_total',
      help: 'Denials a non-enforcing stage would have returned',
      labelNames: ['stage', 'code'],
      registers,
    });
    this.stageDuration = new Histogram({
      name: 'portcullis_stage_duration_seconds',
      help: 'Time spent in each pipeline stage (forward: until the response ended)',
      labelNames: ['stage'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    const stages = this.#stageCounters;
    new Counter({
      name: 'portcullis_stage_results_total',
      help: 'Stage verdicts: evaluated, allowed, denied, shadow_denied',
      labelNames: ['stage', 'result'],
      registers,
      collect() {
        this.reset();
        for (const counters of stages) {
          for (const c of counters) {
            this.labels(c.name, 'evaluated').inc(c.evaluated);
            this.labels(c.name, 'allowed').inc(c.allowed);
            this.labels(c.name, 'denied').inc(c.denied);
            this.labels(c.name, 'shadow_denied').inc(c.shadowDenied);
          }
        }
      },
    });
    this.upstreamResponses = new Counter({
      name: 'portcullis_upstream_responses_total',
      help: 'Upstream outcomes per API: status class (2xx…5xx), or error and timeout when there was no answer',
      labelNames: ['api', 'class'],
      registers,
    });
    this.upstreamUp = new Gauge({
      name: 'portcullis_upstream_up',
      help: '1 when the latest request to the API got an answer from its upstream, 0 when it failed',
      labelNames: ['api'],
      registers,
    });
    this.expiry = expiryRegistry(
      new Gauge({
        name: 'portcullis_credential_expiry_timestamp_seconds',
        help: 'When a certificate or key in use expires (Unix time)',
        labelNames: ['kind', 'name'],
        registers,
      }),
    );
    registerAuditMetrics(this.registry, auditStats);
  }

  /** Counts the stage verdicts of a plan's pipeline (every plan ever served, so totals never fall). */
  observeStages(counters: readonly StageCounters[]): void {
    this.#stageCounters.push(counters);
  }
}

function registerAuditMetrics(registry: Registry, stats: () => AuditLogStats): void {
  const registers = [registry];
  const gauge = (name: string, help: string, read: (s: AuditLogStats) => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read(stats()));
      },
    });
  const counter = (name: string, help: string, read: (s: AuditLogStats) => number) =>
    new Counter({
      name,
      help,
      registers,
      collect() {
        this.reset();
        this.inc(read(stats()));
      },
    });
  gauge('portcullis_audit_buffer_events', 'Audit events waiting to be committed', (s) => s.queued);
  gauge('portcullis_audit_buffer_capacity', 'Audit events the buffer holds at most', (s) => s.capacity);
  gauge(
    'portcullis_audit_lag_seconds',
    'How long the oldest uncommitted audit event has waited',
    (s) => s.lagSeconds,
  );
  gauge(
    'portcullis_audit_unsigned_events',
    'Committed audit events no signed head covers yet',
    (s) => s.unsigned,
  );
  counter('portcullis_audit_committed_total', 'Audit events committed by this process', (s) => s.committed);
  counter(
    'portcullis_audit_dropped_total',
    'Audit events that could not be taken (buffer full); their requests were refused unless the contract fails open',
    (s) => s.dropped,
  );
  counter(
    'portcullis_audit_write_failures_total',
    'Audit writes the store refused (retried)',
    (s) => s.failures,
  );
}
