import Type from 'typebox';
import type { ConfigIssue } from '../../config/issues.ts';
import type { LoadedConfig } from '../../config/load.ts';
import { closed } from '../../config/names.ts';

/** RFC 9110 §5.1 field name. */
const HEADER_NAME = "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$";

/** The OTLP/HTTP collector spans are exported to. */
export const OtlpSchema = Type.Object(
  {
    /** The traces URL of an OTLP/HTTP (JSON) collector, path included. */
    endpoint: Type.String({
      pattern: '^https?://[^/?#\\s]+(/[^?#\\s]*)?$',
      default: 'http://127.0.0.1:4318/v1/traces',
      'x-message': 'must be an http:// or https:// URL with no query or fragment',
    }),
    /** Headers sent with every export (e.g. the collector's credentials); never logged. */
    headers: Type.Record(Type.String(), Type.String({ pattern: '^[^\\r\\n]*$' }), {
      propertyNames: { pattern: HEADER_NAME },
      default: {},
    }),
    timeoutMs: Type.Integer({ minimum: 100, maximum: 60000, default: 10000 }),
    /** Longest wait before queued spans are sent. */
    intervalMs: Type.Integer({ minimum: 10, maximum: 60000, default: 5000 }),
    /** Spans held for export at most; past it new spans are dropped, never the request. */
    maxQueueSize: Type.Integer({ minimum: 1, maximum: 1000000, default: 8192 }),
  },
  { ...closed, default: {} },
);

/** OpenTelemetry traces: a server span per request and a child span per stage. */
export const TracingSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: false }),
    /** `service.name` of the exported spans. */
    serviceName: Type.String({ minLength: 1, default: 'portcullis' }),
    /**
     * Share of the traces the gateway starts itself that are sampled. A caller's
     * `traceparent` sampled flag is honoured as it is.
     */
    samplingRatio: Type.Number({ minimum: 0, maximum: 1, default: 1 }),
    otlp: OtlpSchema,
  },
  { ...closed, default: {} },
);

export type TracingConfig = Type.Static<typeof TracingSchema>;

/** Checks what the schema cannot: the collector URL parses and carries no credentials. */
export function checkTracing(loaded: LoadedConfig, issues: ConfigIssue[]): void {
  const where = ['tracing', 'otlp', 'endpoint'];
  let url: URL;
  try {
    url = new URL(loaded.gateway.tracing.otlp.endpoint);
  } catch {
    issues.push(loaded.gatewaySource.issue(where, 'is not a valid URL'));
    return;
  }
  if (url.username !== '' || url.password !== '') {
    issues.push(
      loaded.gatewaySource.issue(where, 'must not contain credentials: put them in `tracing.otlp.headers`'),
    );
  }
}
