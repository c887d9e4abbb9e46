import Type from 'typebox';
import { HttpLimitsSchema, ListenerSchema } from '../http/config.ts';
import { DEFAULT_PROBLEM_TYPE_BASE } from '../http/problem.ts';
import { LoggingSchema } from '../observe/config.ts';
import { TracingSchema } from '../observe/tracing/config.ts';
import { AuthenticationSchema } from '../pipeline/authenticate/config.ts';
import { UpstreamSchema } from '../pipeline/forward/config.ts';
import { StoreSchema } from '../store/config.ts';
import { closed, NAME_PATTERN } from './names.ts';

/** One API served through the gateway: its OpenAPI document, where it is reached, where it goes. */
export const ApiSchema = Type.Object(
  {
    /** Path of the OpenAPI 3.0/3.1 document (YAML or JSON), relative to the configuration directory. */
    openapi: Type.String({ minLength: 1 }),
    /** Host header values this API answers to: `name` (any port) or `name:port`. */
    hosts: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, uniqueItems: true }),
    /** Path prefix on the gateway under which the OpenAPI paths live. */
    basePath: Type.String({
      pattern: '^/([^/?#\\s]+(/[^/?#\\s]+)*)?$',
      default: '/',
      'x-message': 'must be "/" or a path like "/v1" with no trailing slash',
    }),
    upstream: UpstreamSchema,
  },
  closed,
);

/** `portcullis.yaml`, the gateway file. */
export const GatewaySchema = Type.Object(
  {
    version: Type.Literal(1),
    listeners: Type.Object({ public: ListenerSchema }, closed),
    http: HttpLimitsSchema,
    /** Peers (CIDRs or addresses) whose Forwarded / X-Forwarded-* headers are believed. */
    trustedProxies: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
    authentication: AuthenticationSchema,
    apis: Type.Record(Type.String(), ApiSchema, {
      propertyNames: { pattern: NAME_PATTERN },
      minProperties: 1,
    }),
    store: StoreSchema,
    logging: LoggingSchema,
    tracing: TracingSchema,
    shutdown: Type.Object(
      { drainTimeoutMs: Type.Integer({ minimum: 0, maximum: 600000, default: 10000 }) },
      { ...closed, default: {} },
    ),
    reload: Type.Object({ watch: Type.Boolean({ default: true }) }, { ...closed, default: {} }),
    problems: Type.Object(
      { typeBase: Type.String({ minLength: 1, default: DEFAULT_PROBLEM_TYPE_BASE }) },
      { ...closed, default: {} },
    ),
  },
  {
    ...closed,
    'x-renamed': {
      port: 'listeners.public.port',
      upstream: 'apis.<name>.upstream',
      upstreams: 'apis.<name>.upstream',
      routes: 'apis (with an OpenAPI document per API)',
    },
  },
);

export type GatewayConfig = Type.Static<typeof GatewaySchema>;
export type ApiConfig = Type.Static<typeof ApiSchema>;
