import { deref, isObject } from './openapi-schema.ts';

export type ScalarType = 'string' | 'number' | 'integer' | 'boolean';

/** What a text value (parameter, form field) should become before schema validation. */
export interface ValueShape {
  readonly array: boolean;
  /** Undefined: left as text. */
  readonly type: ScalarType | undefined;
}

const SCALARS = new Set<string>(['string', 'number', 'integer', 'boolean']);
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** Reads the declared type of an OpenAPI schema (following `$ref`s), for coercion. */
export function shapeOf(schema: unknown, document: Readonly<Record<string, unknown>>): ValueShape {
  const resolved = deref(document, schema, []);
  const node = 'value' in resolved ? resolved.value : undefined;
  if (!isObject(node)) return { array: false, type: undefined };
  const type = firstType(node.type);
  if (type !== 'array')
    return { array: false, type: SCALARS.has(type ?? '') ? (type as ScalarType) : undefined };
  const items = deref(document, node.items, []);
  const itemType = 'value' in items && isObject(items.value) ? firstType(items.value.type) : undefined;
  return { array: true, type: SCALARS.has(itemType ?? '') ? (itemType as ScalarType) : undefined };
}

function firstType(type: unknown): string | undefined {
  if (typeof type === 'string') return type;
  if (Array.isArray(type)) return type.find((t): t is string => typeof t === 'string' && t !== 'null');
  return undefined;
}

/**
 * A text value as its declared type. Text that is not a well-formed number or boolean is
 * left as text, so the schema reports a type violation rather than a silently altered value.
 */
export function coerce(text: string, type: ScalarType | undefined): unknown {
  if (type === 'number' || type === 'integer') return NUMBER.test(text) ? Number(text) : text;
  if (type === 'boolean') return text === 'true' ? true : text === 'false' ? false : text;
  return text;
}

/**
 * Form-like fields (query, urlencoded or multipart form) as an object for validation:
 * a field given more than once is an array; `repeated` lists the scalar fields that were.
 * The object has no prototype: a field named `__proto__` is just a field.
 */
export function coerceFields(
  fields: ReadonlyMap<string, readonly string[]>,
  shapes: ReadonlyMap<string, ValueShape>,
  repeated: string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  for (const [name, values] of fields) {
    const shape = shapes.get(name);
    if (shape?.array === true) out[name] = values.map((v) => coerce(v, shape.type));
    else if (values.length > 1) {
      repeated.push(name);
      out[name] = values.map((v) => coerce(v, shape?.type));
    } else out[name] = coerce(values[0]!, shape?.type);
  }
  return out;
}

/** Groups `name=value` pairs by name, in order. */
export function groupPairs(pairs: Iterable<[string, string]>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [name, value] of pairs) {
    const list = out.get(name);
    if (list === undefined) out.set(name, [value]);
    else list.push(value);
  }
  return out;
}
