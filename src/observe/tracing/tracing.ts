import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { Recorder } from '../../pipeline/record/recorder.ts';
import { createTraceRecorder } from '../../pipeline/record/trace.ts';
import type { Logger } from '../logger.ts';
import type { TracingConfig } from './config.ts';
import { reportingExporter } from './reporting-exporter.ts';

const MAX_EXPORT_BATCH = 512;

/** Traces of a running gateway: the recorder that builds spans and the exporter behind it. */
export interface Tracing {
  readonly recorder: Recorder;
  /** Exports every span recorded so far; resolves even when the collector refused them. */
  flush(): Promise<void>;
  /** Exports what is left and stops; resolves even when the collector refused them. */
  shutdown(): Promise<void>;
}

/**
 * Starts OpenTelemetry tracing when `config.enabled`: finished spans go through the SDK's
 * batch processor to its OTLP/HTTP (JSON) exporter, off the request path. Returns
 * undefined when disabled, so the gateway adds no recorder and pays nothing per request.
 */
export function startTracing(config: TracingConfig, logger: Logger): Tracing | undefined {
  if (!config.enabled) return undefined;
  const exporter = new OTLPTraceExporter({
    url: config.otlp.endpoint,
    headers: config.otlp.headers,
    timeoutMillis: config.otlp.timeoutMs,
  });
  const processor = new BatchSpanProcessor({
    exporter: reportingExporter(exporter, logger),
    scheduledDelayMillis: config.otlp.intervalMs,
    exportTimeoutMillis: config.otlp.timeoutMs,
    maxQueueSize: config.otlp.maxQueueSize,
    maxExportBatchSize: Math.min(MAX_EXPORT_BATCH, config.otlp.maxQueueSize),
  });
  const resource = defaultResource().merge(
    resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.serviceName }),
  );
  // A failed export was already reported by the exporter; it never fails the caller.
  const settled = () => undefined;
  return {
    recorder: createTraceRecorder(processor, { resource, scope: { name: 'portcullis' } }),
    flush: () => processor.forceFlush().catch(settled),
    shutdown: () => processor.shutdown().catch(settled),
  };
}
