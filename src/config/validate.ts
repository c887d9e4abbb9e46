import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { TSchema } from 'typebox';
import type { ConfigIssue } from './issues.ts';
import type { KeyPath, SourceFile } from './source.ts';

/**
 * Schema annotations understood here:
 * - `x-message` on a string schema: the sentence to show when its pattern fails;
 * - `x-renamed` on an object schema: `{ oldKey: 'new.place' }` hints for unknown keys.
 */
const ajv = new Ajv({
  allErrors: true,
  useDefaults: true,
  strict: true,
  verbose: true,
  allowUnionTypes: true,
});
ajv.addVocabulary(['x-message', 'x-renamed']);

export type Validator<T> = ValidateFunction<T>;

/** Compiles a TypeBox schema once; reuse the result for every file of that kind. */
export function compileSchema<T>(schema: TSchema): Validator<T> {
  return ajv.compile<T>(schema);
}

/**
 * Validates a source's value (a copy: defaults are injected into it) and maps every
 * schema error to a located issue. Returns the value only when there is no issue.
 */
export function validateSource<T>(
  validator: Validator<T>,
  source: SourceFile,
): { value?: T; issues: ConfigIssue[] } {
  const value = structuredClone(source.value ?? {});
  if (validator(value)) return { value, issues: [] };
  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  for (const error of validator.errors ?? []) {
    const issue = toIssue(error, source, value);
    const key = `${issue.line}:${issue.column}:${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }
  return { issues };
}

function toIssue(error: ErrorObject, source: SourceFile, data: unknown): ConfigIssue {
  const path = pointerToPath(error.instancePath, data);
  const schema = error.parentSchema as Record<string, unknown> | undefined;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(error.params.additionalProperty);
      return source.issue([...path, key], unknownKeyMessage(key, schema), true);
    }
    case 'required':
      return source.issue(path, `missing required key \`${String(error.params.missingProperty)}\``);
    case 'type':
      return source.issue(path, `must be ${article(String(error.params.type))}`);
    case 'enum':
      return source.issue(path, `must be one of: ${(error.params.allowedValues as unknown[]).join(', ')}`);
    case 'const':
      return source.issue(path, `must be ${JSON.stringify(error.params.allowedValue)}`);
    case 'pattern':
      return source.issue(
        path,
        (schema?.['x-message'] as string | undefined) ?? `must match ${error.params.pattern}`,
      );
    case 'propertyNames':
      return source.issue(path, `has an invalid key \`${String(error.params.propertyName)}\``);
    default:
      return source.issue(path, error.message ?? 'is invalid');
  }
}

function unknownKeyMessage(key: string, schema: Record<string, unknown> | undefined): string {
  const renamed = (schema?.['x-renamed'] as Record<string, string> | undefined)?.[key];
  if (renamed !== undefined) return `unknown key \`${key}\`: it was renamed to \`${renamed}\``;
  const allowed = Object.keys((schema?.properties as Record<string, unknown> | undefined) ?? {});
  const guess = closest(key, allowed);
  return guess === undefined
    ? `unknown key \`${key}\``
    : `unknown key \`${key}\` (did you mean \`${guess}\`?)`;
}

function article(type: string): string {
  if (type === 'integer' || type === 'object' || type === 'array') return `an ${type}`;
  return `a ${type}`;
}

function pointerToPath(pointer: string, data: unknown): KeyPath {
  if (pointer === '') return [];
  const path: (string | number)[] = [];
  let node = data;
  for (const raw of pointer.slice(1).split('/')) {
    const part = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(node)) {
      path.push(Number(part));
      node = node[Number(part)];
    } else {
      path.push(part);
      node = (node as Record<string, unknown> | undefined)?.[part];
    }
  }
  return path;
}

/** The allowed key within edit distance 2 of `key`, if exactly one is closest. */
function closest(key: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}
