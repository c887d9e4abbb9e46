import type { ConfigIssue } from './issues.ts';
import { SourceFile } from './source.ts';

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const PATH_ITEM_KEYS = new Set<string>([...HTTP_METHODS, 'summary', 'description', 'servers', 'parameters']);
const PARAM_NAME = /^[A-Za-z0-9_.-]+$/;

/** One piece of a path template between slashes. */
export type TemplateSegment =
  | { readonly kind: 'literal'; readonly value: string }
  | { readonly kind: 'param'; readonly name: string }
  | { readonly kind: 'pattern'; readonly names: readonly string[]; readonly regex: RegExp };

export interface OperationSpec {
  readonly id: string;
  /** Upper-case HTTP method. */
  readonly method: string;
  readonly template: string;
  readonly segments: readonly TemplateSegment[];
  /** The OpenAPI operation object, for stages that read parameters, bodies or responses. */
  readonly definition: Readonly<Record<string, unknown>>;
  /** Path-item level parameters, which apply to every operation under the path. */
  readonly pathParameters: readonly unknown[];
}

export interface OpenApiSpec {
  readonly file: string;
  readonly version: string;
  readonly operations: readonly OperationSpec[];
  /** The whole document, for resolving `$ref`s. */
  readonly document: Readonly<Record<string, unknown>>;
  readonly source: SourceFile;
}

/** Loads an OpenAPI 3.0/3.1 document and extracts its operations, reporting every problem. */
export function loadOpenApi(
  path: string,
  displayName: string,
): { spec?: OpenApiSpec; issues: ConfigIssue[] } {
  const source = SourceFile.read(path, displayName);
  if (Array.isArray(source)) return { issues: source };
  return readOpenApi(source);
}

export function readOpenApi(source: SourceFile): { spec?: OpenApiSpec; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const doc = source.value;
  if (!isObject(doc)) return { issues: [source.issue([], 'an OpenAPI document must be a mapping')] };
  const version = doc.openapi;
  if (typeof version !== 'string' || !/^3\.[01]\.\d+$/.test(version)) {
    issues.push(source.issue(['openapi'], 'must be an OpenAPI version 3.0.x or 3.1.x'));
  }
  const paths = doc.paths;
  if (!isObject(paths)) {
    issues.push(source.issue(['paths'], 'must be a mapping of path templates'));
    return { issues };
  }

  const operations: OperationSpec[] = [];
  const idsSeen = new Map<string, string>();
  const shapesSeen = new Map<string, string>();
  for (const [template, item] of Object.entries(paths)) {
    const segments = parseTemplate(template);
    if (typeof segments === 'string') {
      issues.push(source.issue(['paths', template], segments, true));
      continue;
    }
    const shape = templateShape(segments);
    const clash = shapesSeen.get(shape);
    if (clash !== undefined) {
      issues.push(
        source.issue(['paths', template], `path template matches the same requests as \`${clash}\``, true),
      );
      continue;
    }
    shapesSeen.set(shape, template);
    if (!isObject(item)) {
      issues.push(source.issue(['paths', template], 'must be a path item mapping'));
      continue;
    }
    for (const key of Object.keys(item)) {
      if (key === '$ref')
        issues.push(source.issue(['paths', template, key], 'path item `$ref` is not supported', true));
      else if (!PATH_ITEM_KEYS.has(key) && !key.startsWith('x-')) {
        issues.push(source.issue(['paths', template, key], `unknown path item key \`${key}\``, true));
      }
    }
    const pathParameters = Array.isArray(item.parameters) ? item.parameters : [];
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (operation === undefined) continue;
      const at = ['paths', template, method];
      if (!isObject(operation)) {
        issues.push(source.issue(at, 'must be an operation mapping'));
        continue;
      }
      const id = operation.operationId;
      if (typeof id !== 'string' || id.length === 0) {
        issues.push(
          source.issue(at, 'operation has no `operationId`: contracts grant operations by id', true),
        );
        continue;
      }
      const previous = idsSeen.get(id);
      if (previous !== undefined) {
        issues.push(
          source.issue([...at, 'operationId'], `operationId \`${id}\` is already used by ${previous}`),
        );
        continue;
      }
      idsSeen.set(id, `${method.toUpperCase()} ${template}`);
      operations.push({
        id,
        method: method.toUpperCase(),
        template,
        segments,
        definition: operation,
        pathParameters,
      });
    }
  }
  if (issues.length > 0) return { issues };
  return {
    spec: { file: source.file, version: version as string, operations, document: doc, source },
    issues,
  };
}

/** Splits a path template into segments, or returns why it is not acceptable. */
export function parseTemplate(template: string): TemplateSegment[] | string {
  if (!template.startsWith('/')) return 'a path template must start with "/"';
  if (template === '/') return [{ kind: 'literal', value: '' }];
  const segments: TemplateSegment[] = [];
  const parts = template.slice(1).split('/');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part === '' && i < parts.length - 1) return 'a path template must not contain an empty segment';
    if (part === '.' || part === '..') return 'a path template must not contain "." or ".." segments';
    const segment = parseSegment(part);
    if (typeof segment === 'string') return segment;
    segments.push(segment);
  }
  return segments;
}

function parseSegment(part: string): TemplateSegment | string {
  if (!part.includes('{') && !part.includes('}')) return { kind: 'literal', value: part };
  const whole = /^\{([^{}]+)\}$/.exec(part);
  if (whole !== null) {
    return PARAM_NAME.test(whole[1]!)
      ? { kind: 'param', name: whole[1]! }
      : `invalid parameter name in \`${part}\``;
  }
  const names: string[] = [];
  let source = '^';
  let rest = part;
  while (rest.length > 0) {
    const open = rest.indexOf('{');
    if (open === -1) {
      if (rest.includes('}')) return `unbalanced braces in \`${part}\``;
      source += escapeRegExp(rest);
      break;
    }
    const close = rest.indexOf('}', open);
    const literal = rest.slice(0, open);
    if (close === -1 || literal.includes('}')) return `unbalanced braces in \`${part}\``;
    const name = rest.slice(open + 1, close);
    if (!PARAM_NAME.test(name)) return `invalid parameter name in \`${part}\``;
    if (names.length > 0 && literal === '') return `adjacent parameters in \`${part}\` cannot be told apart`;
    names.push(name);
    source += `${escapeRegExp(literal)}(.+?)`;
    rest = rest.slice(close + 1);
  }
  return { kind: 'pattern', names, regex: new RegExp(`${source}$`, 's') };
}

/** Two templates with the same shape match the same requests (e.g. `/a/{x}` and `/a/{y}`). */
function templateShape(segments: readonly TemplateSegment[]): string {
  return segments
    .map((s) => (s.kind === 'literal' ? `l:${s.value}` : s.kind === 'param' ? 'p' : `r:${s.regex.source}`))
    .join('/');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
