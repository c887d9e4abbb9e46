import {
  type Attributes,
  type HrTime,
  type SpanContext,
  SpanKind,
  type SpanStatus,
  SpanStatusCode,
  TraceFlags,
} from '@opentelemetry/api';
import { addHrTimes, millisToHrTime } from '@opentelemetry/core';
import { RandomIdGenerator, type SpanProcessor } from '@opentelemetry/sdk-trace';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_SCHEME,
} from '@opentelemetry/semantic-conventions';
import { FinishedSpan, type SpanOrigin } from '../../observe/tracing/span.ts';
import type { Exchange } from '../exchange.ts';
import type { Recorder } from './recorder.ts';

/** Attribute names of the gateway's own (not semantic-convention) span attributes. */
export const SPAN_ATTRIBUTES = {
  decisionId: 'portcullis.decision_id',
  plan: 'portcullis.plan',
  partner: 'portcullis.partner',
  application: 'portcullis.application',
  credentialId: 'portcullis.credential.id',
  operation: 'portcullis.operation',
  stage: 'portcullis.stage',
  denialCode: 'portcullis.denial.code',
  shadowDenials: 'portcullis.shadow_denials',
  upstreamStatus: 'portcullis.upstream.status_code',
  aborted: 'portcullis.aborted',
} as const;

const TIME_ORIGIN = millisToHrTime(performance.timeOrigin);

/** A `performance.now()` reading as an epoch time (the process's time origin plus the reading). */
function epochTime(performanceTime: number): HrTime {
  return addHrTimes(TIME_ORIGIN, millisToHrTime(performanceTime));
}

const UNSET: SpanStatus = { code: SpanStatusCode.UNSET };
const FAILED: SpanStatus = { code: SpanStatusCode.ERROR };
const NO_ATTRIBUTES: Attributes = {};

/**
 * Builds a request's spans once its response has closed and hands them to `processor`
 * (a batch processor in front of the OTLP exporter): a server span with exactly the ids
 * the gateway sent upstream in `traceparent` (so the upstream's spans nest under it), a
 * child of the caller's span when there was one, and one child span per stage that ran,
 * timed by `Exchange.marks` (`performance.now()` readings, made epoch times with `performance.timeOrigin`).
 * Attributes name the decision, who called and what was decided; never a header, a
 * credential, a path parameter or a payload value.
 */
export function createTraceRecorder(processor: Pick<SpanProcessor, 'onEnd'>, origin: SpanOrigin): Recorder {
  const ids = new RandomIdGenerator();
  return {
    request(ex) {
      const trace = ex.trace;
      // Unsampled traces (the caller's choice or the ratio's) cost nothing more here.
      if (trace === undefined || (Number.parseInt(trace.flags, 16) & TraceFlags.SAMPLED) === 0) return;
      const end = epochTime(performance.now());
      const server: SpanContext = {
        traceId: trace.traceId,
        spanId: trace.spanId,
        traceFlags: TraceFlags.SAMPLED,
      };
      const caller: SpanContext | undefined =
        trace.parentSpanId === undefined
          ? undefined
          : {
              traceId: trace.traceId,
              spanId: trace.parentSpanId,
              traceFlags: TraceFlags.SAMPLED,
              isRemote: true,
            };
      const marks = ex.marks;
      for (let i = 0; i < marks.length; i += 2) {
        const stage = marks[i] as string;
        const last = i + 2 >= marks.length;
        const denied = last && ex.denial !== undefined && ex.stage === stage;
        processor.onEnd(
          new FinishedSpan(origin, {
            name: stage,
            kind: SpanKind.INTERNAL,
            context: { traceId: trace.traceId, spanId: ids.generateSpanId(), traceFlags: TraceFlags.SAMPLED },
            parent: server,
            start: epochTime(marks[i + 1] as number),
            end: last ? end : epochTime(marks[i + 3] as number),
            status: denied ? { code: SpanStatusCode.ERROR, message: ex.denial!.code } : UNSET,
            attributes: denied ? { [SPAN_ATTRIBUTES.denialCode]: ex.denial!.code } : NO_ATTRIBUTES,
          }),
        );
      }
      processor.onEnd(
        new FinishedSpan(origin, {
          name: spanName(ex),
          kind: SpanKind.SERVER,
          context: server,
          parent: caller,
          start: epochTime(ex.startedAt),
          end,
          // HTTP semantic conventions: a server span is an error for 5xx only.
          status: ex.res.statusCode >= 500 ? FAILED : UNSET,
          attributes: requestAttributes(ex),
        }),
      );
    },
    // A request the listener could not parse has no trace context to continue.
    listenerRejection() {},
  };
}

/** Methods named as they are; any other token the client sent is `_OTHER` (HTTP semantic conventions). */
const KNOWN_METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
]);

function methodOf(ex: Exchange): string {
  const method = ex.req.method ?? '';
  return KNOWN_METHODS.has(method) ? method : '_OTHER';
}

/** `{method} {route}` (OpenTelemetry HTTP semantic conventions): low-cardinality, no values. */
function spanName(ex: Exchange): string {
  const known = methodOf(ex);
  const method = known === '_OTHER' ? 'HTTP' : known;
  if (ex.route !== undefined) return `${method} ${ex.route.target.template}`;
  if (ex.local !== undefined) return `${method} ${ex.local.path}`;
  return method;
}

function requestAttributes(ex: Exchange): Attributes {
  const attributes: Attributes = {
    [ATTR_HTTP_REQUEST_METHOD]: methodOf(ex),
    [ATTR_URL_SCHEME]: 'http',
    [ATTR_HTTP_RESPONSE_STATUS_CODE]: ex.res.statusCode,
    [ATTR_CLIENT_ADDRESS]: ex.clientAddress,
    [SPAN_ATTRIBUTES.decisionId]: ex.id,
    [SPAN_ATTRIBUTES.plan]: ex.planVersion,
  };
  const route = ex.route?.target;
  if (route !== undefined) {
    attributes[ATTR_HTTP_ROUTE] = route.template;
    attributes[SPAN_ATTRIBUTES.operation] = `${route.api}.${route.operation.id}`;
  } else if (ex.local !== undefined) {
    attributes[ATTR_HTTP_ROUTE] = ex.local.path;
  }
  const identity = ex.identity;
  if (identity !== undefined) {
    attributes[SPAN_ATTRIBUTES.partner] = identity.partner;
    attributes[SPAN_ATTRIBUTES.application] = identity.application;
    attributes[SPAN_ATTRIBUTES.credentialId] = identity.credential.id;
  }
  if (ex.denial !== undefined) {
    attributes[SPAN_ATTRIBUTES.stage] = ex.stage;
    attributes[SPAN_ATTRIBUTES.denialCode] = ex.denial.code;
  }
  if (ex.shadowDenials !== undefined) {
    attributes[SPAN_ATTRIBUTES.shadowDenials] = ex.shadowDenials.map((d) => `${d.stage}:${d.code}`);
  }
  if (ex.upstreamStatus !== undefined) attributes[SPAN_ATTRIBUTES.upstreamStatus] = ex.upstreamStatus;
  if (!ex.res.writableFinished) attributes[SPAN_ATTRIBUTES.aborted] = true;
  return attributes;
}
