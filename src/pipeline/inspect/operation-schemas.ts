import type { OperationSpec } from '../../config/openapi.ts';
import type { KeyPath } from '../../config/source.ts';
import { shapeOf, type ValueShape } from './coerce.ts';
import { MediaRanges, parseMediaType } from './media-type.ts';
import { deref, isObject, type SchemaDialect, SchemaIssue, toJsonSchema } from './openapi-schema.ts';
import { compileParameters, type ParameterPlan } from './parameters.ts';
import type { Validator } from './validators.ts';

/** How bodies of one media range of an operation are checked. */
export interface MediaPlan {
  /** Undefined when the OpenAPI document gives no schema for this media range. */
  readonly validator: Validator | undefined;
  /** For forms (urlencoded, multipart): how each field's text becomes its declared type. */
  readonly fields: ReadonlyMap<string, ValueShape>;
  /** Whether the schema annotates any value with `x-data-class`. */
  readonly dataClasses: boolean;
}

export interface RequestBodyPlan {
  readonly required: boolean;
  readonly media: MediaRanges<MediaPlan>;
}

/** Documented responses: status (`200`, `2XX`, `default`) → media ranges, or null for no content. */
export type ResponseTable = ReadonlyMap<string, MediaRanges<MediaPlan> | null>;

/** Everything compiled from one operation's OpenAPI description, for one strictness. */
export interface OperationSchemas {
  readonly parameters: ParameterPlan | undefined;
  /** Undefined when the operation declares no request body (then none is accepted). */
  readonly body: RequestBodyPlan | undefined;
  readonly responses: ResponseTable;
}

export type Compile = (schema: Record<string, unknown>) => Validator | string;

/** Compiles an operation's parameters, request body and responses; reports the first problem. */
export function compileOperationSchemas(
  operation: OperationSpec,
  dialect: SchemaDialect,
  compile: Compile,
): OperationSchemas | { readonly error: string; readonly at: KeyPath } {
  const at: KeyPath = ['paths', operation.template, operation.method.toLowerCase()];
  const parameters = compileParameters(operation, at, dialect, compile);
  if ('error' in parameters) return parameters;
  try {
    return {
      parameters: parameters.plan,
      body: compileRequestBody(operation.definition.requestBody, [...at, 'requestBody'], dialect, compile),
      responses: compileResponses(operation.definition.responses, [...at, 'responses'], dialect, compile),
    };
  } catch (error) {
    if (error instanceof SchemaIssue) return { error: error.message, at: error.at };
    throw error;
  }
}

function compileRequestBody(
  node: unknown,
  at: KeyPath,
  dialect: SchemaDialect,
  compile: Compile,
): RequestBodyPlan | undefined {
  if (node === undefined) return undefined;
  const body = found(deref(dialect.document, node, at));
  if (!isObject(body.value)) throw new SchemaIssue('a request body must be a mapping', body.at);
  const media = compileContent(body.value.content, [...body.at, 'content'], dialect, compile);
  if (media === null) throw new SchemaIssue('a request body needs `content`', body.at);
  return { required: body.value.required === true, media };
}

function compileResponses(
  node: unknown,
  at: KeyPath,
  dialect: SchemaDialect,
  compile: Compile,
): ResponseTable {
  const table = new Map<string, MediaRanges<MediaPlan> | null>();
  if (!isObject(node)) return table;
  for (const [status, raw] of Object.entries(node)) {
    if (status.startsWith('x-')) continue;
    const response = found(deref(dialect.document, raw, [...at, status]));
    if (!isObject(response.value)) throw new SchemaIssue('a response must be a mapping', response.at);
    table.set(
      status.toUpperCase(),
      compileContent(response.value.content, [...response.at, 'content'], dialect, compile),
    );
  }
  return table;
}

function compileContent(
  node: unknown,
  at: KeyPath,
  dialect: SchemaDialect,
  compile: Compile,
): MediaRanges<MediaPlan> | null {
  if (node === undefined) return null;
  if (!isObject(node)) throw new SchemaIssue('`content` must be a mapping of media types', at);
  const ranges = new MediaRanges<MediaPlan>();
  for (const [range, mediaObject] of Object.entries(node)) {
    const where = [...at, range];
    const media = parseMediaType(range);
    if (media === undefined) throw new SchemaIssue(`\`${range}\` is not a media type`, where);
    if (!isObject(mediaObject)) throw new SchemaIssue('a media type object must be a mapping', where);
    ranges.add(range, compileMedia(mediaObject.schema, [...where, 'schema'], dialect, compile));
  }
  return ranges;
}

function compileMedia(schema: unknown, at: KeyPath, dialect: SchemaDialect, compile: Compile): MediaPlan {
  if (schema === undefined) return { validator: undefined, fields: new Map(), dataClasses: false };
  const converted = toJsonSchema(schema, at, dialect);
  if ('error' in converted) throw new SchemaIssue(converted.error, converted.at);
  const validator = compile(converted.schema);
  if (typeof validator === 'string') throw new SchemaIssue(validator, at);
  const fields = new Map<string, ValueShape>();
  const resolved = found(deref(dialect.document, schema, at));
  const properties = isObject(resolved.value) ? resolved.value.properties : undefined;
  if (isObject(properties))
    for (const [name, property] of Object.entries(properties))
      fields.set(name, shapeOf(property, dialect.document));
  return { validator, fields, dataClasses: JSON.stringify(converted.schema).includes('"x-data-class"') };
}

function found(result: { value: unknown; at: KeyPath } | { error: string; at: KeyPath }): {
  value: unknown;
  at: KeyPath;
} {
  if ('error' in result) throw new SchemaIssue(result.error, result.at);
  return result;
}
