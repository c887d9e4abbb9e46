import { randomFillSync } from 'node:crypto';

/** W3C Trace Context for one request: the trace it belongs to and the gateway's own span. */
export interface TraceContext {
  readonly traceId: string;
  /** The gateway's span id, sent upstream as the parent. */
  readonly spanId: string;
  /** The caller's span id, when it sent one. */
  readonly parentSpanId: string | undefined;
  readonly flags: string;
  readonly state: string | undefined;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = '00000000000000000000000000000000';
const ZERO_SPAN = '0000000000000000';
const MAX_TRACESTATE = 512;

/**
 * Continues the caller's trace when its `traceparent` is valid (W3C Trace Context §3.2),
 * otherwise starts a new one whose trace id is `newTraceId` (the decision id's random
 * bits, so a trace and a decision are found by the same value), sampled unless
 * `sampleNewTrace` says otherwise. An invalid header is ignored, never an error.
 */
export function traceContextFor(
  traceparent: string | undefined,
  tracestate: string | undefined,
  newTraceId: string,
  sampleNewTrace?: (traceId: string) => boolean,
): TraceContext {
  const spanId = newSpanId();
  if (traceparent !== undefined) {
    const m = TRACEPARENT.exec(traceparent);
    if (
      m !== null &&
      m[1] !== 'ff' &&
      (m[1] !== '00' || m[5] === undefined) &&
      m[2] !== ZERO_TRACE &&
      m[3] !== ZERO_SPAN
    ) {
      const state = tracestate !== undefined && tracestate.length <= MAX_TRACESTATE ? tracestate : undefined;
      return { traceId: m[2]!, spanId, parentSpanId: m[3]!, flags: m[4]!, state };
    }
  }
  const flags = sampleNewTrace === undefined || sampleNewTrace(newTraceId) ? '01' : '00';
  return { traceId: newTraceId, spanId, parentSpanId: undefined, flags, state: undefined };
}

/** A v4 UUID's 32 hex digits, usable as a trace id. */
export function traceIdOf(uuid: string): string {
  return uuid.replaceAll('-', '');
}

export function traceparentOf(trace: TraceContext): string {
  return `00-${trace.traceId}-${trace.spanId}-${trace.flags}`;
}

/** Random bytes drawn 8 at a time for span ids: one `randomFillSync` per 512 spans. */
const SPAN_POOL = Buffer.alloc(8 * 512);
let spanPoolOffset = SPAN_POOL.length;

function newSpanId(): string {
  for (;;) {
    if (spanPoolOffset === SPAN_POOL.length) {
      randomFillSync(SPAN_POOL);
      spanPoolOffset = 0;
    }
    const id = SPAN_POOL.toString('hex', spanPoolOffset, spanPoolOffset + 8);
    spanPoolOffset += 8;
    // All zeros is not a valid span id (W3C Trace Context §3.2.2.4).
    if (id !== ZERO_SPAN) return id;
  }
}
