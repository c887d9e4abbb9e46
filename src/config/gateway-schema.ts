import Type from 'typebox';
import { AuditSchema } from '../audit/config.ts';
import { HttpLimitsSchema, ListenerSchema } from '../http/config.ts';
import { DEFAULT_PROBLEM_TYPE_BASE } from '../http/problem.ts';
import { LoggingSchema } from '../observe/config.ts';
import { TracingSchema } from '../observe/tracing/config.ts';
import { AuthenticationSchema } from '../pipeline/authenticate/config.ts';
import { AuthorizationSchema } from '../pipeline/authorize/config.ts';
import { UpstreamSchema } from '../pipeline/forward/config.ts';
import { ScanningSchema } from '../pipeline/inspect/config.ts';
import { GatewayLimitsSchema } from '../pipeline/limit/config.ts';
import { AdminSchema } from '../services/admin/config.ts';
import { TokenServiceSchema } from '../services/token/config.ts';
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
    /** How access tokens name this API (`aud`, RFC 8707 `resource`); default `urn:portcullis:api:<name>`. */
    audience: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
  },
  closed,
);

/** `portcullis.yaml`, the gateway file. */
export const GatewaySchema = Type.Object(
  {
    version: Type.Literal(1),
    listeners: Type.Object(
      {
        public: ListenerSchema,
        /** The admin API and metrics; none when absent. */
        admin: Type.Optional(ListenerSchema),
      },
      closed,
    ),
    http: HttpLimitsSchema,
    /** Peers (CIDRs or addresses) whose Forwarded / X-Forwarded-* headers are believed. */
    trustedProxies: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
    authentication: AuthenticationSchema,
    authorization: AuthorizationSchema,
    apis: Type.Record(Type.String(), ApiSchema, {
      propertyNames: { pattern: NAME_PATTERN },
      minProperties: 1,
    }),
    /** The built-in OAuth2 token service; absent: none. */
    tokens: Type.Optional(TokenServiceSchema),
    store: StoreSchema,
    limits: GatewayLimitsSchema,
    /** Malware scanning: where clamd listens (contracts decide what is scanned). */
    scanning: ScanningSchema,
    audit: AuditSchema,
    admin: AdminSchema,
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
