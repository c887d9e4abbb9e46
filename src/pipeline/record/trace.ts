import {
  type Attributes,
  type Context,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_SCHEME,
} from '@opentelemetry/semantic-conventions';
import type { TraceContext } from '../../http/trace-context.ts';
import type { PresetIdGenerator } from '../../observe/tracing/ids.ts';
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

/** `performance.now()` readings as epoch milliseconds, which the SDK takes as span times. */
function epochMs(performanceTime: number): number {
  return performance.timeOrigin + performanceTime;
}

/**
 * Builds a request's spans once its response has closed: a server span whose ids are the
 * ones the gateway sent upstream in `traceparent` (so the upstream's spans nest under it),
 * continuing the caller's span when there was one, and one child span per stage that ran,
 * timed by `Exchange.marks`. Attributes name the decision, who called and what was
 * decided; never a header, a credential, a path parameter or a payload value.
 */
export function createTraceRecorder(tracer: Tracer, ids: PresetIdGenerator): Recorder {
  return {
    request(ex) {
      const context = ex.trace;
      // Unsampled traces (the caller's choice or the ratio's) cost nothing more here.
      if (context === undefined || (Number.parseInt(context.flags, 16) & TraceFlags.SAMPLED) === 0) return;
      const end = epochMs(performance.now());
      ids.preset(context.traceId, context.spanId);
      const server = tracer.startSpan(
        spanName(ex),
        { kind: SpanKind.SERVER, startTime: epochMs(ex.startedAt), attributes: requestAttributes(ex) },
        callerContext(context),
      );
      ids.clear();
      const parent = trace.setSpan(ROOT_CONTEXT, server);
      const marks = ex.marks;
      for (let i = 0; i < marks.length; i += 2) {
        const stage = marks[i] as string;
        const last = i + 2 >= marks.length;
        const span = tracer.startSpan(stage, { startTime: epochMs(marks[i + 1] as number) }, parent);
        if (last && ex.denial !== undefined && ex.stage === stage) {
          span.setAttribute(SPAN_ATTRIBUTES.denialCode, ex.denial.code);
          span.setStatus({ code: SpanStatusCode.ERROR, message: ex.denial.code });
        }
        span.end(last ? end : epochMs(marks[i + 3] as number));
      }
      if (ex.res.statusCode >= 500) server.setStatus({ code: SpanStatusCode.ERROR });
      server.end(end);
    },
    // A request the listener could not parse has no trace context to continue.
    listenerRejection() {},
  };
}

/** The caller's span as the remote parent, or no parent for a trace the gateway started. */
function callerContext(context: TraceContext): Context {
  if (context.parentSpanId === undefined) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: context.traceId,
    spanId: context.parentSpanId,
    traceFlags: Number.parseInt(context.flags, 16),
    isRemote: true,
    traceState: context.state === undefined ? undefined : new TraceState(context.state),
  });
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
