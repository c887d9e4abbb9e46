import type { Attributes, HrTime, Link, SpanContext, SpanKind, SpanStatus } from '@opentelemetry/api';
import { hrTimeDuration, type InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace';

const NO_LINKS: Link[] = [];
const NO_EVENTS: TimedEvent[] = [];

/** Who produced a span: the service (resource) and the instrumentation scope. */
export interface SpanOrigin {
  readonly resource: Resource;
  readonly scope: InstrumentationScope;
}

/**
 * A finished span in the form the SDK's processors and OTLP exporters take. The gateway
 * knows everything about a request's spans once its response has closed (ids chosen on
 * arrival, stage times already measured), so it builds them whole instead of replaying
 * them through a tracer, which costs several times as much per span.
 */
export class FinishedSpan implements ReadableSpan {
  readonly name: string;
  readonly kind: SpanKind;
  readonly parentSpanContext: SpanContext | undefined;
  readonly startTime: HrTime;
  readonly endTime: HrTime;
  readonly status: SpanStatus;
  readonly attributes: Attributes;
  readonly links = NO_LINKS;
  readonly events = NO_EVENTS;
  readonly ended = true;
  readonly resource: Resource;
  readonly instrumentationScope: InstrumentationScope;
  readonly droppedAttributesCount = 0;
  readonly droppedEventsCount = 0;
  readonly droppedLinksCount = 0;
  readonly #context: SpanContext;

  constructor(
    origin: SpanOrigin,
    fields: {
      readonly name: string;
      readonly kind: SpanKind;
      readonly context: SpanContext;
      readonly parent: SpanContext | undefined;
      readonly start: HrTime;
      readonly end: HrTime;
      readonly status: SpanStatus;
      readonly attributes: Attributes;
    },
  ) {
    this.resource = origin.resource;
    this.instrumentationScope = origin.scope;
    this.name = fields.name;
    this.kind = fields.kind;
    this.#context = fields.context;
    this.parentSpanContext = fields.parent;
    this.startTime = fields.start;
    this.endTime = fields.end;
    this.status = fields.status;
    this.attributes = fields.attributes;
  }

  spanContext(): SpanContext {
    return this.#context;
  }

  get duration(): HrTime {
    return hrTimeDuration(this.startTime, this.endTime);
  }
}
