import { ROOT_CONTEXT } from '@opentelemetry/api';
import { SamplingDecision, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace';

/**
 * Whether a trace the gateway starts itself is sampled: OpenTelemetry's trace-id ratio
 * sampler, decided when the request arrives so the `traceparent` sent upstream carries the
 * same decision the gateway records by. A caller's own sampled flag is never re-decided.
 */
export function newTraceSampler(ratio: number): (traceId: string) => boolean {
  const sampler = new TraceIdRatioBasedSampler(ratio);
  return (traceId) =>
    sampler.shouldSample(ROOT_CONTEXT, traceId).decision === SamplingDecision.RECORD_AND_SAMPLED;
}
