import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type { Logger } from '../logger.ts';

/**
 * Wraps an exporter so the operator hears about export trouble: one warning when exports
 * start failing and one line when they work again, never one per batch. Spans that cannot
 * be exported are dropped; requests never wait for them.
 */
export function reportingExporter(inner: SpanExporter, logger: Logger): SpanExporter {
  let failing = false;
  return {
    export(spans: ReadableSpan[], done: (result: ExportResult) => void) {
      inner.export(spans, (result) => {
        if (result.code === ExportResultCode.SUCCESS) {
          if (failing) logger.info('trace export recovered');
          failing = false;
        } else if (!failing) {
          failing = true;
          logger.warn({ err: result.error, spans: spans.length }, 'trace export failing; spans are dropped');
        }
        done(result);
      });
    },
    shutdown: () => inner.shutdown(),
    forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
  };
}
