import type { OperationSpec } from '../../config/openapi.ts';
import type { KeyPath } from '../../config/source.ts';
import type { Exchange } from '../exchange.ts';
import { coerce, groupPairs, shapeOf, type ValueShape } from './coerce.ts';
import { deref, isObject, SchemaConverter, type SchemaDialect } from './openapi-schema.ts';
import type { Validator } from './validators.ts';
import { escapePointerToken, type Violation } from './violations.ts';

type Location = 'path' | 'query' | 'header' | 'cookie';

interface ParameterSpec {
  readonly name: string;
  readonly location: Location;
  readonly shape: ValueShape;
  /** Query arrays: repeated names (`explode`, the default) or one comma-separated value. */
  readonly explode: boolean;
}

/** An operation's parameters, compiled once: how to read each, and one validator for all. */
export interface ParameterPlan {
  readonly specs: readonly ParameterSpec[];
  readonly queryNames: ReadonlySet<string>;
  readonly validator: Validator;
  /** Whether any parameter schema carries `x-data-class`. */
  readonly dataClasses: boolean;
}

export type CompiledParameters =
  | { readonly plan: ParameterPlan | undefined }
  | { readonly error: string; readonly at: KeyPath };

const LOCATIONS = new Set<string>(['path', 'query', 'header', 'cookie']);
const DEFAULT_STYLE: Readonly<Record<Location, string>> = {
  path: 'simple',
  query: 'form',
  header: 'simple',
  cookie: 'form',
};
/** OpenAPI: header parameters with these names are ignored (they are described elsewhere). */
const IGNORED_HEADERS = new Set(['accept', 'content-type', 'authorization']);

/**
 * Compiles the path, query, header and cookie parameters of an operation (path-item
 * parameters overridden by the operation's own) into one JSON Schema of
 * `{ path, query, header, cookie }`. Styles other than the defaults, and object-valued or
 * `content`-described parameters, are reported as unsupported rather than left unchecked.
 */
export function compileParameters(
  operation: OperationSpec,
  at: KeyPath,
  dialect: SchemaDialect,
  compile: (schema: Record<string, unknown>) => Validator | string,
): CompiledParameters {
  const document = dialect.document;
  const declared = new Map<string, { node: Record<string, unknown>; at: KeyPath }>();
  const lists: [unknown, KeyPath][] = [
    [operation.pathParameters, [...at.slice(0, -1), 'parameters']],
    [operation.definition.parameters, [...at, 'parameters']],
  ];
  for (const [list, listAt] of lists) {
    if (list === undefined) continue;
    if (!Array.isArray(list)) return { error: '`parameters` must be a list', at: listAt };
    for (const [i, raw] of list.entries()) {
      const found = deref(document, raw, [...listAt, i]);
      if ('error' in found) return found;
      if (!isObject(found.value)) return { error: 'a parameter must be a mapping', at: found.at };
      const { name, in: location } = found.value;
      if (typeof name !== 'string' || typeof location !== 'string' || !LOCATIONS.has(location))
        return { error: 'a parameter needs a `name` and `in` (path, query, header or cookie)', at: found.at };
      const key = `${location}:${location === 'header' ? name.toLowerCase() : name}`;
      declared.set(key, { node: found.value, at: found.at });
    }
  }
  if (declared.size === 0) return { plan: undefined };

  const converter = new SchemaConverter(dialect);
  const groups: Record<Location, { properties: Record<string, unknown>; required: string[] }> = {
    path: { properties: {}, required: [] },
    query: { properties: {}, required: [] },
    header: { properties: {}, required: [] },
    cookie: { properties: {}, required: [] },
  };
  const specs: ParameterSpec[] = [];
  for (const { node, at: paramAt } of declared.values()) {
    const location = node.in as Location;
    const name = location === 'header' ? (node.name as string).toLowerCase() : (node.name as string);
    if (location === 'header' && IGNORED_HEADERS.has(name)) continue;
    if (node.content !== undefined || node.schema === undefined)
      return { error: 'only parameters described by `schema` are supported', at: paramAt };
    const style = node.style ?? DEFAULT_STYLE[location];
    if (style !== DEFAULT_STYLE[location])
      return { error: `parameter style \`${String(style)}\` is not supported`, at: [...paramAt, 'style'] };
    const shape = shapeOf(node.schema, document);
    const resolved = deref(document, node.schema, [...paramAt, 'schema']);
    if ('value' in resolved && isObject(resolved.value) && resolved.value.type === 'object')
      return { error: 'object-valued parameters are not supported', at: [...paramAt, 'schema'] };
    const converted = converter.convert(node.schema, [...paramAt, 'schema']);
    if ('error' in converted) return converted;
    groups[location].properties[name] = converted.schema;
    if (node.required === true || location === 'path') groups[location].required.push(name);
    specs.push({ name, location, shape, explode: node.explode !== false });
  }
  const properties: Record<string, unknown> = {};
  for (const [location, group] of Object.entries(groups)) {
    properties[location] = { type: 'object', properties: group.properties, required: group.required };
  }
  const root = converter.root({ type: 'object', properties });
  if ('error' in root) return root;
  const validator = compile(root.schema);
  if (typeof validator === 'string') return { error: `parameters: ${validator}`, at };
  const queryNames = new Set(specs.filter((s) => s.location === 'query').map((s) => s.name));
  const dataClasses = JSON.stringify(root.schema).includes('"x-data-class"');
  return { plan: { specs, queryNames, validator, dataClasses } };
}

/**
 * Checks a request's parameters. Undeclared query parameters are violations when
 * `rejectUnknownQuery`; a scalar query parameter given twice is one (`repeated`), since
 * servers disagree on which occurrence wins.
 */
export function checkParameters(
  plan: ParameterPlan | undefined,
  ex: Exchange,
  rejectUnknownQuery: boolean,
  dataClasses: Set<string> | undefined,
): Violation[] | undefined {
  const rawQuery = ex.target!.query;
  const query = rawQuery === '' ? undefined : groupPairs(new URLSearchParams(rawQuery));
  const violations: Violation[] = [];
  if (query !== undefined && rejectUnknownQuery) {
    for (const name of query.keys()) {
      if (plan?.queryNames.has(name) !== true)
        violations.push({ pointer: `/query/${escapePointerToken(name)}`, rule: 'unknown_parameter' });
    }
  }
  if (plan !== undefined) {
    const data = readParameters(plan, ex, query, violations);
    const invalid = plan.validator.check(data, '', dataClasses);
    if (invalid !== undefined) violations.push(...invalid);
  }
  return violations.length === 0 ? undefined : violations;
}

function readParameters(
  plan: ParameterPlan,
  ex: Exchange,
  query: Map<string, string[]> | undefined,
  violations: Violation[],
): Record<Location, Record<string, unknown>> {
  const data: Record<Location, Record<string, unknown>> = {
    path: Object.create(null),
    query: Object.create(null),
    header: Object.create(null),
    cookie: Object.create(null),
  };
  let cookies: Map<string, string[]> | undefined;
  for (const spec of plan.specs) {
    let values: readonly string[] | undefined;
    switch (spec.location) {
      case 'path': {
        const value = ex.route!.params[spec.name];
        values = value === undefined ? undefined : [value];
        break;
      }
      case 'query':
        values = query?.get(spec.name);
        break;
      case 'header': {
        const value = ex.req.headers[spec.name];
        values = value === undefined ? undefined : Array.isArray(value) ? value : [value];
        break;
      }
      case 'cookie':
        cookies ??= parseCookies(ex.req.headers.cookie);
        values = cookies.get(spec.name);
    }
    if (values === undefined) continue;
    const { shape } = spec;
    if (!shape.array) {
      if (values.length > 1) {
        violations.push({ pointer: `/${spec.location}/${escapePointerToken(spec.name)}`, rule: 'repeated' });
        continue;
      }
      data[spec.location][spec.name] = coerce(values[0]!, shape.type);
      continue;
    }
    const items = spec.location === 'query' && spec.explode ? values : values[0]!.split(',');
    data[spec.location][spec.name] = items.map((v) => coerce(v, shape.type));
  }
  return data;
}

function parseCookies(header: string | undefined): Map<string, string[]> {
  if (header === undefined) return new Map();
  const pairs: [string, string][] = [];
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    pairs.push([part.slice(0, eq).trim(), part.slice(eq + 1).trim()]);
  }
  return groupPairs(pairs);
}
