import { type Denial, deny } from '../stage.ts';
import { escapePointerToken, MAX_LISTED_VIOLATIONS, summarise, type Violation } from './violations.ts';

/** A contract's deny rules, compiled: field pointers as tokens (`*` matches any member), patterns as regexes. */
export interface DenyRules {
  readonly fields: readonly (readonly string[])[];
  readonly patterns: readonly { readonly name: string; readonly regex: RegExp }[];
}

/** Splits a JSON pointer (`/a/*\/b`) into unescaped tokens; undefined when it is not a pointer. */
export function pointerTokens(pointer: string): string[] | undefined {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return undefined;
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/**
 * Applies deny rules to a parsed body: a forbidden field that is present, or a string
 * (value or key) that matches a forbidden pattern, refuses the request. The problem lists
 * where, never what.
 */
export function checkDenyRules(value: unknown, rules: DenyRules): Denial | undefined {
  const found: Violation[] = [];
  for (const tokens of rules.fields) findFields(value, tokens, 0, '/body', found);
  if (rules.patterns.length > 0) findPatterns(value, rules.patterns, '/body', found);
  if (found.length === 0) return undefined;
  return deny('content_denied', 'The request contains content your contract does not allow.', {
    extensions: { violations: found.slice(0, MAX_LISTED_VIOLATIONS) },
    reason: `deny rules matched: ${summarise(found)}`,
  });
}

function findFields(
  node: unknown,
  tokens: readonly string[],
  i: number,
  at: string,
  found: Violation[],
): void {
  if (i === tokens.length) {
    found.push({ pointer: at, rule: 'forbidden_field' });
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const token = tokens[i]!;
  const record = node as Record<string, unknown>;
  const keys = token === '*' ? Object.keys(record) : Object.hasOwn(record, token) ? [token] : [];
  for (const key of keys) findFields(record[key], tokens, i + 1, `${at}/${escapePointerToken(key)}`, found);
}

function findPatterns(node: unknown, patterns: DenyRules['patterns'], at: string, found: Violation[]): void {
  if (found.length >= MAX_LISTED_VIOLATIONS) return;
  if (typeof node === 'string') {
    for (const { regex } of patterns) {
      if (regex.test(node)) {
        found.push({ pointer: at, rule: 'forbidden_pattern' });
        return;
      }
    }
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  for (const key of Object.keys(node)) {
    const child = `${at}/${escapePointerToken(key)}`;
    if (patterns.some((p) => p.regex.test(key))) found.push({ pointer: child, rule: 'forbidden_pattern' });
    findPatterns((node as Record<string, unknown>)[key], patterns, child, found);
  }
}
