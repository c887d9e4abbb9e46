import Type, { type TSchema } from 'typebox';
import type { ConfigIssue } from '../../config/issues.ts';
import type { LoadedApi, LoadedConfig } from '../../config/load.ts';
import { closed, NAME_PATTERN } from '../../config/names.ts';
import type { OperationSpec } from '../../config/openapi.ts';
import type { KeyPath } from '../../config/source.ts';
import type { ClamdAddress } from './clamd.ts';
import { type DenyRules, pointerTokens } from './deny-rules.ts';
import { compileOperationSchemas, type OperationSchemas } from './operation-schemas.ts';
import { buildRules, mergeRules, type OperationRules } from './rules.ts';
import { createSchemaCompiler } from './validators.ts';

const MiB = 1024 * 1024;

/** The content rules of a contract; every key also appears, optional, in per-operation overrides. */
const CONTENT_FIELDS = {
  /** false: the partner's bodies are streamed to the upstream unchecked (parameters too). */
  enabled: Type.Boolean({ default: true }),
  /** Largest body, on the wire and after decoding. */
  maxBodyBytes: Type.Integer({ minimum: 0, maximum: 1024 * MiB, default: MiB }),
  /** Content codings accepted and removed before inspection; none by default. */
  encodings: Type.Array(Type.Enum(['gzip', 'deflate', 'br']), { uniqueItems: true, default: [] }),
  /** Decoded size may be at most this multiple of the encoded size. */
  maxCompressionRatio: Type.Integer({ minimum: 1, maximum: 100000, default: 100 }),
  json: Type.Object(
    {
      maxDepth: Type.Integer({ minimum: 1, maximum: 512, default: 32 }),
      maxKeys: Type.Integer({ minimum: 1, maximum: 1000000, default: 1000 }),
      maxItems: Type.Integer({ minimum: 1, maximum: 10000000, default: 10000 }),
      maxStringLength: Type.Integer({ minimum: 1, maximum: 1024 * MiB, default: 65536 }),
      prototypeKeys: Type.Enum(['reject', 'strip'], { default: 'reject' }),
    },
    { ...closed, default: {} },
  ),
  multipart: Type.Object(
    { maxParts: Type.Integer({ minimum: 1, maximum: 10000, default: 32 }) },
    { ...closed, default: {} },
  ),
  schema: Type.Object(
    {
      unknownProperties: Type.Enum(['reject', 'allow'], { default: 'reject' }),
      unknownQueryParameters: Type.Enum(['reject', 'allow'], { default: 'reject' }),
    },
    { ...closed, default: {} },
  ),
  responses: Type.Object(
    {
      /** Check upstream answers against the OpenAPI responses (502 if they do not match). */
      validate: Type.Boolean({ default: false }),
      maxBytes: Type.Integer({ minimum: 0, maximum: 1024 * MiB, default: 8 * MiB }),
    },
    { ...closed, default: {} },
  ),
  digest: Type.Object(
    {
      /** Refuse bodies without a Content-Digest (sha-256 or sha-512). */
      require: Type.Boolean({ default: false }),
      /** Add a Content-Digest of the forwarded body to requests sent upstream. */
      requests: Type.Enum(['none', 'sha-256', 'sha-512'], { default: 'none' }),
      /** Add a Content-Digest to responses sent to the partner. */
      responses: Type.Enum(['none', 'sha-256', 'sha-512'], { default: 'none' }),
    },
    { ...closed, default: {} },
  ),
  scan: Type.Object(
    {
      /** Scan binary bodies and multipart file parts with clamd (`scanning.clamd`). */
      uploads: Type.Boolean({ default: false }),
      /** When clamd cannot answer: false refuses (503), true forwards unscanned. Both alert. */
      failOpen: Type.Boolean({ default: false }),
    },
    { ...closed, default: {} },
  ),
  deny: Type.Object(
    {
      /** JSON pointers into the body that must not be present; `*` matches any member or item. */
      fields: Type.Array(
        Type.String({ pattern: '^(/[^/]*)*$', 'x-message': 'must be a JSON pointer such as /card/number' }),
        { uniqueItems: true, default: [] },
      ),
      /** Regular expressions no string (value or key) of the body may match. */
      patterns: Type.Array(
        Type.Object(
          {
            name: Type.String({ pattern: NAME_PATTERN, 'x-message': 'must be a lower-case name' }),
            regex: Type.String({ minLength: 1 }),
            ignoreCase: Type.Boolean({ default: false }),
          },
          closed,
        ),
        { default: [] },
      ),
    },
    { ...closed, default: {} },
  ),
};

const ContentFieldsSchema = Type.Object(CONTENT_FIELDS, closed);
type ContentFields = Type.Static<typeof ContentFieldsSchema>;

type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** A per-operation override: any content key, every one optional; `deny` rules add to the partner's. */
export type ContentOverride = DeepPartial<ContentFields>;

/** The same object schema with every key optional and no defaults (list items stay whole). */
function optionalised(schema: Record<string, unknown>): Record<string, unknown> {
  const { default: _default, required: _required, properties, ...rest } = schema;
  if (properties === undefined) return rest;
  const inner = Object.entries(properties as Record<string, Record<string, unknown>>);
  return { ...rest, properties: Object.fromEntries(inner.map(([key, value]) => [key, optionalised(value)])) };
}

/** `content` in a contract. */
export const ContentSchema = Type.Object(
  {
    ...CONTENT_FIELDS,
    /** Overrides for single operations, keyed `api.operationId`. */
    operations: Type.Record(
      Type.String(),
      Type.Unsafe<ContentOverride>(
        optionalised(ContentFieldsSchema as unknown as Record<string, unknown>) as TSchema,
      ),
      {
        default: {},
        propertyNames: {
          pattern: '^[a-z][a-z0-9-]{0,62}\\.\\S+$',
          'x-message': 'must be `api.operationId`',
        },
      },
    ),
  },
  { ...closed, default: {} },
);

export type ContentConfig = Type.Static<typeof ContentSchema>;
export type ContentRules = ContentFields;

/** `scanning` in `portcullis.yaml`: where clamd listens. */
export const ScanningSchema = Type.Object(
  {
    clamd: Type.Optional(
      Type.Object(
        {
          /** A Unix socket path (clamd's LocalSocket)… */
          socket: Type.Optional(Type.String({ minLength: 1 })),
          /** …or a TCP address (clamd's TCPAddr/TCPSocket). */
          host: Type.Optional(Type.String({ minLength: 1 })),
          port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
        },
        closed,
      ),
    ),
    /** Budget of one scan, from connecting to the verdict. */
    timeoutMs: Type.Integer({ minimum: 10, maximum: 600000, default: 10000 }),
  },
  { ...closed, default: {} },
);

export type ScanningConfig = Type.Static<typeof ScanningSchema>;

/** Where clamd is and how long a scan may take. */
export interface ScannerConfig {
  readonly address: ClamdAddress;
  readonly timeoutMs: number;
}

/** The inspect stage's part of the plan: per partner and operation, the rules in force. */
export interface InspectPlan {
  readonly rules: ReadonlyMap<string, ReadonlyMap<OperationSpec, OperationRules>>;
  readonly scanner: ScannerConfig | undefined;
}

/**
 * Compiles every contract's content rules against every operation (inspection runs before
 * authorisation, so ungranted operations are covered too). Schemas are compiled once per
 * operation and strictness, shared by partners, and never at request time.
 */
export function compileInspection(loaded: LoadedConfig, issues: ConfigIssue[]): InspectPlan {
  const scanner = compileScanner(loaded, issues);
  const schemasFor = createSchemaCache(issues);
  const rules = new Map<string, Map<OperationSpec, OperationRules>>();
  for (const contract of loaded.contracts.values()) {
    const content = contract.config.content;
    const at: KeyPath = ['content'];
    const issue = (path: KeyPath, message: string) => issues.push(contract.source.issue(path, message));
    checkOverrides(loaded, content, issue);
    checkPatterns(content.deny.patterns, [...at, 'deny', 'patterns'], issue);
    for (const [key, override] of Object.entries(content.operations)) {
      checkPatterns(override.deny?.patterns ?? [], [...at, 'operations', key, 'deny', 'patterns'], issue);
      if (override.scan?.uploads === true && scanner === undefined)
        issue(
          [...at, 'operations', key, 'scan', 'uploads'],
          'scanning uploads needs `scanning.clamd` in portcullis.yaml',
        );
    }
    if (content.scan.uploads && scanner === undefined)
      issue([...at, 'scan', 'uploads'], 'scanning uploads needs `scanning.clamd` in portcullis.yaml');
    const table = new Map<OperationSpec, OperationRules>();
    for (const api of loaded.apis.values()) {
      for (const operation of api.spec.operations) {
        const label = `${api.name}.${operation.id}`;
        const merged = mergeRules(content, content.operations[label]);
        const schemas = schemasFor(api, operation, merged.schema.unknownProperties);
        if (schemas === undefined) continue;
        table.set(operation, buildRules(label, merged, schemas, compileDeny(merged.deny)));
      }
    }
    rules.set(contract.partner, table);
  }
  return { rules, scanner };
}

function compileScanner(loaded: LoadedConfig, issues: ConfigIssue[]): ScannerConfig | undefined {
  const { clamd, timeoutMs } = loaded.gateway.scanning;
  if (clamd === undefined) return undefined;
  const tcp = clamd.host !== undefined || clamd.port !== undefined;
  if (
    (clamd.socket === undefined) === !tcp ||
    (tcp && (clamd.host === undefined || clamd.port === undefined))
  ) {
    issues.push(
      loaded.gatewaySource.issue(['scanning', 'clamd'], 'give either `socket`, or both `host` and `port`'),
    );
    return undefined;
  }
  const address: ClamdAddress =
    clamd.socket !== undefined ? { socket: clamd.socket } : { host: clamd.host!, port: clamd.port! };
  return { address, timeoutMs };
}

/** Compiles each operation's schemas once per strictness; reports a broken schema once. */
function createSchemaCache(issues: ConfigIssue[]) {
  const compile = createSchemaCompiler();
  const cache = new Map<string, OperationSchemas | undefined>();
  const reported = new Set<OperationSpec>();
  return (api: LoadedApi, operation: OperationSpec, unknownProperties: 'reject' | 'allow') => {
    const key = `${api.name}\0${operation.id}\0${unknownProperties}`;
    if (cache.has(key)) return cache.get(key);
    const dialect = {
      document: api.spec.document,
      openapi30: api.spec.version.startsWith('3.0'),
      unknownProperties,
    };
    const compiled = compileOperationSchemas(operation, dialect, compile);
    const result = 'error' in compiled ? undefined : compiled;
    if ('error' in compiled && !reported.has(operation)) {
      reported.add(operation);
      issues.push(api.spec.source.issue(compiled.at, compiled.error));
    }
    cache.set(key, result);
    return result;
  };
}

function checkOverrides(
  loaded: LoadedConfig,
  content: ContentConfig,
  issue: (path: KeyPath, message: string) => void,
): void {
  for (const key of Object.keys(content.operations)) {
    const dot = key.indexOf('.');
    const api = loaded.apis.get(key.slice(0, dot));
    if (api === undefined) issue(['content', 'operations', key], `unknown API \`${key.slice(0, dot)}\``);
    else if (!api.spec.operations.some((o) => o.id === key.slice(dot + 1)))
      issue(['content', 'operations', key], `API \`${api.name}\` has no operation \`${key.slice(dot + 1)}\``);
  }
}

function checkPatterns(
  patterns: ContentRules['deny']['patterns'],
  at: KeyPath,
  issue: (path: KeyPath, message: string) => void,
): void {
  patterns.forEach((pattern, i) => {
    try {
      new RegExp(pattern.regex, 'u');
    } catch {
      issue([...at, i, 'regex'], 'is not a valid regular expression');
    }
  });
}

/** Deny rules ready to run; undefined when there are none (invalid patterns were reported). */
function compileDeny(deny: ContentRules['deny']): DenyRules | undefined {
  if (deny.fields.length === 0 && deny.patterns.length === 0) return undefined;
  const patterns: { name: string; regex: RegExp }[] = [];
  for (const p of deny.patterns) {
    try {
      patterns.push({ name: p.name, regex: new RegExp(p.regex, p.ignoreCase === true ? 'iu' : 'u') });
    } catch {
      // Reported by checkPatterns.
    }
  }
  return { fields: deny.fields.map((f) => pointerTokens(f)!), patterns };
}
