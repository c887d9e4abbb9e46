import type { KeyPath } from '../../config/source.ts';

/** How an OpenAPI schema becomes a JSON Schema 2020-12 for Ajv. */
export interface SchemaDialect {
  /** The whole OpenAPI document, for `$ref`s. */
  readonly document: Readonly<Record<string, unknown>>;
  /** 3.0 schemas are an extended subset (`nullable`, boolean exclusive bounds); 3.1 is 2020-12. */
  readonly openapi30: boolean;
  /** `reject`: objects that describe their properties accept no others. */
  readonly unknownProperties: 'reject' | 'allow';
}

export type Converted =
  | { readonly schema: Record<string, unknown> }
  | { readonly error: string; readonly at: KeyPath };

/** Where a subschema sits: a value of its own (strictness applies), or a branch of a combinator. */
type Position = 'value' | 'branch';

const VALUE_MAPS = ['properties', 'patternProperties'] as const;
const VALUE_SCHEMAS = [
  'additionalProperties',
  'items',
  'contains',
  'propertyNames',
  'unevaluatedItems',
  'unevaluatedProperties',
] as const;
const BRANCH_LISTS = ['allOf', 'anyOf', 'oneOf'] as const;
const BRANCH_SCHEMAS = ['not', 'if', 'then', 'else'] as const;
/** OpenAPI annotations with no validation meaning, dropped. */
const ANNOTATIONS = new Set(['discriminator', 'xml', 'externalDocs', 'example']);
/** Keywords that do not validate: a `$ref` with only these beside it is a plain reference. */
const METADATA = new Set([
  'title',
  'description',
  'summary',
  'default',
  'examples',
  'deprecated',
  'readOnly',
  'writeOnly',
  '$comment',
  'x-data-class',
]);
/** Where other subschemas evaluate properties: closing must use `unevaluatedProperties`. */
const COMPOSING = ['$ref', 'allOf', 'anyOf', 'oneOf', 'if', 'then', 'else', 'dependentSchemas'] as const;
const UNSUPPORTED = ['$id', '$anchor', '$dynamicRef', '$dynamicAnchor', '$recursiveRef', '$recursiveAnchor'];

/** A schema problem at a place in the OpenAPI document; thrown inside compilation, caught at its edge. */
export class SchemaIssue {
  readonly message: string;
  readonly at: KeyPath;
  constructor(message: string, at: KeyPath) {
    this.message = message;
    this.at = at;
  }
}

/**
 * Converts OpenAPI schemas into JSON Schema 2020-12 for one compiled root: every `#/...`
 * reference reached is copied under the root's `$defs`, OpenAPI 3.0 idioms are rewritten,
 * `x-` extensions other than `x-data-class` are dropped, integers must be exact in a double
 * (I-JSON), and with `unknownProperties: reject` every object schema that lists properties
 * gets `unevaluatedProperties: false` (at its use, so that `allOf` compositions still see
 * each other's properties).
 */
export class SchemaConverter {
  readonly #dialect: SchemaDialect;
  readonly #names = new Map<string, string>();
  readonly #queue: { pointer: string; name: string; at: KeyPath; position: Position }[] = [];
  readonly #refName: RefName;

  constructor(dialect: SchemaDialect) {
    this.#dialect = dialect;
    // A definition used as a value gets a closed variant; one used as a branch stays open.
    this.#refName = (pointer, where, position) => {
      const closed = position === 'value' && dialect.unknownProperties === 'reject';
      const key = `${closed ? 'c' : 'o'}${pointer}`;
      let name = this.#names.get(key);
      if (name === undefined) {
        name = `d${this.#names.size}${closed ? 'c' : ''}`;
        resolve(dialect.document, pointer, where);
        this.#names.set(key, name);
        this.#queue.push({ pointer, name, at: where, position: closed ? 'value' : 'branch' });
      }
      return name;
    };
  }

  /** Converts the schema found at `at`, to be placed anywhere inside the root. */
  convert(schema: unknown, at: KeyPath): Converted {
    try {
      const out = convert(schema, 'value', at, this.#dialect, this.#refName);
      return { schema: typeof out === 'boolean' ? (out ? {} : { not: {} }) : out };
    } catch (error) {
      if (error instanceof SchemaIssue) return { error: error.message, at: error.at };
      throw error;
    }
  }

  /** The root schema with the `$defs` its converted parts refer to. */
  root(schema: Record<string, unknown>): Converted {
    if (this.#names.size === 0) return { schema };
    const defs: Record<string, unknown> = {};
    try {
      for (let i = 0; i < this.#queue.length; i++) {
        const { pointer, name, at, position } = this.#queue[i]!;
        const target = resolve(this.#dialect.document, pointer, at);
        defs[name] = convert(target.value, position, target.at, this.#dialect, this.#refName);
      }
    } catch (error) {
      if (error instanceof SchemaIssue) return { error: error.message, at: error.at };
      throw error;
    }
    return { schema: { ...schema, $defs: defs } };
  }
}

/** Converts one schema into a self-contained root schema. */
export function toJsonSchema(schema: unknown, at: KeyPath, dialect: SchemaDialect): Converted {
  const converter = new SchemaConverter(dialect);
  const converted = converter.convert(schema, at);
  return 'error' in converted ? converted : converter.root(converted.schema);
}

type RefName = (pointer: string, where: KeyPath, position: Position) => string;

function convert(
  node: unknown,
  position: Position,
  at: KeyPath,
  dialect: SchemaDialect,
  refName: RefName,
): Record<string, unknown> | boolean {
  if (typeof node === 'boolean' && !dialect.openapi30) return node;
  if (!isObject(node)) throw new SchemaIssue('a schema must be a mapping', at);
  for (const key of UNSUPPORTED) {
    if (key in node) throw new SchemaIssue(`\`${key}\` is not supported in schemas`, [...at, key]);
  }
  const out: Record<string, unknown> = {};
  const ref = node.$ref;
  if (ref !== undefined) {
    if (typeof ref !== 'string' || !ref.startsWith('#/'))
      throw new SchemaIssue('only references within the same document (`#/...`) are supported', [
        ...at,
        '$ref',
      ]);
    // OpenAPI 3.0 ignores siblings of $ref; 3.1 applies them.
    if (
      dialect.openapi30 ||
      Object.keys(node).every((k) => k === '$ref' || METADATA.has(k) || k.startsWith('x-'))
    ) {
      out.$ref = `#/$defs/${refName(ref.slice(1), [...at, '$ref'], position)}`;
      const dataClass = node['x-data-class'];
      if (!dialect.openapi30 && typeof dataClass === 'string') out['x-data-class'] = dataClass;
      return out;
    }
    out.$ref = `#/$defs/${refName(ref.slice(1), [...at, '$ref'], 'branch')}`;
  }
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref' || ANNOTATIONS.has(key)) continue;
    if (key.startsWith('x-')) {
      if (key !== 'x-data-class') continue;
      if (typeof value !== 'string') throw new SchemaIssue('`x-data-class` must be a string', [...at, key]);
      out[key] = value;
    } else if (
      (VALUE_MAPS as readonly string[]).includes(key) ||
      key === 'dependentSchemas' ||
      key === '$defs'
    ) {
      if (!isObject(value)) throw new SchemaIssue(`\`${key}\` must be a mapping`, [...at, key]);
      const mapped: Record<string, unknown> = {};
      const inner: Position = key === 'dependentSchemas' || key === '$defs' ? 'branch' : 'value';
      for (const [name, sub] of Object.entries(value))
        mapped[name] = convert(sub, inner, [...at, key, name], dialect, refName);
      out[key] = mapped;
    } else if (
      (VALUE_SCHEMAS as readonly string[]).includes(key) ||
      (BRANCH_SCHEMAS as readonly string[]).includes(key)
    ) {
      const inner: Position = (BRANCH_SCHEMAS as readonly string[]).includes(key) ? 'branch' : 'value';
      out[key] = typeof value === 'boolean' ? value : convert(value, inner, [...at, key], dialect, refName);
    } else if ((BRANCH_LISTS as readonly string[]).includes(key) || key === 'prefixItems') {
      if (!Array.isArray(value)) throw new SchemaIssue(`\`${key}\` must be a list`, [...at, key]);
      const inner: Position = key === 'prefixItems' ? 'value' : 'branch';
      out[key] = value.map((sub, i) => convert(sub, inner, [...at, key, i], dialect, refName));
    } else {
      out[key] = value;
    }
  }
  if (dialect.openapi30) rewrite30(out);
  if (isInteger(out.type)) out.safeInteger = true;
  const describes =
    ref !== undefined
      ? describesProperties(ref as string, dialect) || describesOwnProperties(out)
      : describesOwnProperties(out);
  return strictAtUse(out, position, dialect, describes);
}

/**
 * Closes an object schema where strictness asks for it and the schema does not say
 * otherwise: `additionalProperties: false` when it alone lists its properties (cheap to
 * check), `unevaluatedProperties: false` when other subschemas contribute some.
 */
function strictAtUse(
  out: Record<string, unknown>,
  position: Position,
  dialect: SchemaDialect,
  describes: boolean,
): Record<string, unknown> {
  if (
    position !== 'value' ||
    !describes ||
    dialect.unknownProperties !== 'reject' ||
    'additionalProperties' in out ||
    'unevaluatedProperties' in out
  ) {
    return out;
  }
  if (COMPOSING.some((keyword) => keyword in out)) out.unevaluatedProperties = false;
  else out.additionalProperties = false;
  return out;
}

/** A free-form `type: object` stays free-form; a schema that lists properties (or composes some) is closed. */
function describesOwnProperties(schema: Record<string, unknown>): boolean {
  return (
    'properties' in schema ||
    'patternProperties' in schema ||
    'allOf' in schema ||
    'anyOf' in schema ||
    'oneOf' in schema
  );
}

function describesProperties(ref: string, dialect: SchemaDialect): boolean {
  const target = resolve(dialect.document, ref.slice(1), []).value;
  return isObject(target) && (describesOwnProperties(target) || typeof target.$ref === 'string');
}

/** OpenAPI 3.0 → 2020-12: `nullable`, boolean `exclusiveMinimum`/`exclusiveMaximum`. */
function rewrite30(out: Record<string, unknown>): void {
  if (out.nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  }
  delete out.nullable;
  for (const [flag, bound] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (typeof out[flag] !== 'boolean') continue;
    if (out[flag] === true && typeof out[bound] === 'number') {
      out[flag] = out[bound];
      delete out[bound];
    } else {
      delete out[flag];
    }
  }
}

function isInteger(type: unknown): boolean {
  return type === 'integer' || (Array.isArray(type) && type.includes('integer'));
}

/** Follows a JSON pointer (a `$ref` fragment, percent-decoded) into the document. */
export function resolve(
  document: Readonly<Record<string, unknown>>,
  pointer: string,
  where: KeyPath,
): { value: unknown; at: KeyPath } {
  let node: unknown = document;
  const at: (string | number)[] = [];
  let tokens: string[];
  try {
    tokens = decodeURIComponent(pointer).slice(1).split('/');
  } catch {
    throw new SchemaIssue(`\`#${pointer}\` is not a valid reference`, where);
  }
  for (const raw of tokens) {
    const token = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(node) && /^(0|[1-9]\d*)$/.test(token) && Number(token) < node.length) {
      node = node[Number(token)];
      at.push(Number(token));
    } else if (isObject(node) && Object.hasOwn(node, token)) {
      node = node[token];
      at.push(token);
    } else {
      throw new SchemaIssue(`\`#${pointer}\` does not resolve within the document`, where);
    }
  }
  return { value: node, at };
}

/** Resolves an OpenAPI object that may be a `$ref` (parameters, request bodies, responses). */
export function deref(
  document: Readonly<Record<string, unknown>>,
  node: unknown,
  at: KeyPath,
): { value: unknown; at: KeyPath } | { error: string; at: KeyPath } {
  let current = { value: node, at };
  for (let hops = 0; hops < 16; hops++) {
    const ref = isObject(current.value) ? current.value.$ref : undefined;
    if (ref === undefined) return current;
    if (typeof ref !== 'string' || !ref.startsWith('#/'))
      return { error: 'only references within the same document (`#/...`) are supported', at: current.at };
    try {
      current = resolve(document, ref.slice(1), [...current.at, '$ref']);
    } catch (error) {
      if (error instanceof SchemaIssue) return { error: error.message, at: error.at };
      throw error;
    }
  }
  return { error: 'too many nested references', at };
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
