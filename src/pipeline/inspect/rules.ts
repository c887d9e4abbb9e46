import type { ContentCoding } from './body-reader.ts';
import type { ContentOverride, ContentRules } from './config.ts';
import type { DenyRules } from './deny-rules.ts';
import type { DigestAlgorithm } from './digest.ts';
import type { OperationSchemas, RequestBodyPlan, ResponseTable } from './operation-schemas.ts';
import type { ParameterPlan } from './parameters.ts';
import type { JsonLimits } from './strict-json.ts';

/** What the forwarder does with an upstream answer before the partner sees it. */
export interface ResponsePlan {
  /** `api.operationId`, for reasons. */
  readonly label: string;
  readonly validate: boolean;
  readonly table: ResponseTable;
  readonly maxBytes: number;
  readonly json: JsonLimits;
  /** Add a Content-Digest of the response. */
  readonly digest: DigestAlgorithm | undefined;
}

/** The content rules in force for one partner calling one operation, compiled. */
export interface OperationRules {
  readonly label: string;
  readonly enabled: boolean;
  readonly maxBodyBytes: number;
  readonly maxRatio: number;
  readonly encodings: ReadonlySet<ContentCoding>;
  /** `Accept-Encoding` for a 415 about the content coding. */
  readonly acceptEncoding: string;
  readonly json: JsonLimits;
  readonly maxParts: number;
  readonly parameters: ParameterPlan | undefined;
  readonly rejectUnknownQuery: boolean;
  readonly body: RequestBodyPlan | undefined;
  readonly requireDigest: boolean;
  /** Add a Content-Digest of the forwarded body to the upstream request. */
  readonly forwardDigest: DigestAlgorithm | undefined;
  readonly scanUploads: boolean;
  readonly failOpen: boolean;
  readonly deny: DenyRules | undefined;
  readonly response: ResponsePlan | undefined;
}

/** A partner's rules with one operation's override applied; `deny` lists add up. */
export function mergeRules(base: ContentRules, override: ContentOverride | undefined): ContentRules {
  if (override === undefined) return base;
  return {
    enabled: override.enabled ?? base.enabled,
    maxBodyBytes: override.maxBodyBytes ?? base.maxBodyBytes,
    encodings: override.encodings ?? base.encodings,
    maxCompressionRatio: override.maxCompressionRatio ?? base.maxCompressionRatio,
    json: { ...base.json, ...override.json },
    multipart: { ...base.multipart, ...override.multipart },
    schema: { ...base.schema, ...override.schema },
    responses: { ...base.responses, ...override.responses },
    digest: { ...base.digest, ...override.digest },
    scan: { ...base.scan, ...override.scan },
    deny: {
      fields: [...base.deny.fields, ...(override.deny?.fields ?? [])],
      patterns: [...base.deny.patterns, ...(override.deny?.patterns ?? [])],
    },
  };
}

/** Compiles merged rules for one operation, sharing the operation's compiled schemas. */
export function buildRules(
  label: string,
  rules: ContentRules,
  schemas: OperationSchemas,
  deny: DenyRules | undefined,
): OperationRules {
  const json: JsonLimits = Object.freeze({ ...rules.json });
  const digestOf = (value: string): DigestAlgorithm | undefined =>
    value === 'none' ? undefined : (value as DigestAlgorithm);
  const responseDigest = digestOf(rules.digest.responses);
  const response: ResponsePlan | undefined =
    rules.responses.validate || responseDigest !== undefined
      ? {
          label,
          validate: rules.responses.validate,
          table: schemas.responses,
          maxBytes: rules.responses.maxBytes,
          json,
          digest: responseDigest,
        }
      : undefined;
  return Object.freeze({
    label,
    enabled: rules.enabled,
    maxBodyBytes: rules.maxBodyBytes,
    maxRatio: rules.maxCompressionRatio,
    encodings: new Set(rules.encodings),
    acceptEncoding: rules.encodings.length === 0 ? 'identity' : rules.encodings.join(', '),
    json,
    maxParts: rules.multipart.maxParts,
    parameters: schemas.parameters,
    rejectUnknownQuery: rules.schema.unknownQueryParameters === 'reject',
    body: schemas.body,
    requireDigest: rules.digest.require,
    forwardDigest: digestOf(rules.digest.requests),
    scanUploads: rules.scan.uploads,
    failOpen: rules.scan.failOpen,
    deny,
    response,
  });
}
