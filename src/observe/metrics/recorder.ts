import { PROBLEM_CODES } from '../../http/problem-codes.ts';
import type { Exchange } from '../../pipeline/exchange.ts';
import type { Recorder } from '../../pipeline/record/recorder.ts';
import type { GatewayMetrics } from './registry.ts';

const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'];

/** Turns every finished exchange into request, denial, stage-latency and upstream metrics. */
export function createMetricsRecorder(metrics: GatewayMetrics): Recorder {
  return {
    request(ex) {
      const end = performance.now();
      const operation =
        ex.route !== undefined
          ? `${ex.route.target.api}.${ex.route.target.operation.id}`
          : (ex.local?.path ?? '');
      const status = ex.res.headersSent ? ex.res.statusCode : 0;
      metrics.requests.labels(ex.identity?.partner ?? '', operation, String(status)).inc();
      metrics.requestDuration.observe((end - ex.startedAt) / 1000);
      const denial = ex.denial;
      if (denial !== undefined) metrics.denials.labels(ex.stage, denial.code).inc();
      if (ex.shadowDenials !== undefined)
        for (const s of ex.shadowDenials) metrics.shadowDenials.labels(s.stage, s.code).inc();
      observeStages(metrics, ex, end);
      observeUpstream(metrics, ex);
    },
    listenerRejection(event) {
      metrics.requests.labels('', '', String(PROBLEM_CODES[event.code].status)).inc();
      metrics.denials.labels('listener', event.code).inc();
    },
  };
}

function observeStages(metrics: GatewayMetrics, ex: Exchange, end: number): void {
  const marks = ex.marks;
  for (let i = 0; i < marks.length; i += 2) {
    const next = i + 3 < marks.length ? (marks[i + 3] as number) : end;
    metrics.stageDuration.labels(marks[i] as string).observe((next - (marks[i + 1] as number)) / 1000);
  }
}

function observeUpstream(metrics: GatewayMetrics, ex: Exchange): void {
  if (ex.route === undefined || ex.stage !== 'forward') return;
  const api = ex.route.target.api;
  if (ex.upstreamStatus !== undefined) {
    metrics.upstreamResponses
      .labels(api, STATUS_CLASSES[Math.floor(ex.upstreamStatus / 100) - 1] ?? 'other')
      .inc();
    metrics.upstreamUp.labels(api).set(1);
    return;
  }
  const code = ex.denial?.code;
  if (code === 'upstream_timeout' || code === 'upstream_unavailable') {
    metrics.upstreamResponses.labels(api, code === 'upstream_timeout' ? 'timeout' : 'error').inc();
    metrics.upstreamUp.labels(api).set(0);
  }
}
