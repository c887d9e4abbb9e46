import { type Denial, deny } from '../stage.ts';

/**
 * One reason a request does not match its contract: where (a JSON pointer, RFC 6901) and
 * which rule. Never the offending value, so a problem can list violations safely.
 */
export interface Violation {
  readonly pointer: string;
  readonly rule: string;
}

/** At most this many violations are listed in one problem (the log notes the rest). */
export const MAX_LISTED_VIOLATIONS = 20;

/** RFC 6901 escaping of one reference token. */
export function escapePointerToken(token: string | number): string {
  const text = String(token);
  if (!text.includes('~') && !text.includes('/')) return text;
  return text.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** The pointer of the container at `depth` (1 = the document root) along `path`. */
export function pointerOf(path: readonly (string | number)[], depth: number): string {
  let out = '';
  for (let i = 0; i < depth - 1; i++) out += `/${escapePointerToken(path[i]!)}`;
  return out;
}

/** `prefix` + a pointer, e.g. `/body` + `/items/0`. */
export function under(prefix: string, violation: Violation): Violation {
  return { pointer: prefix + violation.pointer, rule: violation.rule };
}

/** A 400 listing the violations (capped); the reason names how many there were. */
export function requestInvalid(violations: readonly Violation[]): Denial {
  return deny('request_invalid', 'The request does not match the API description.', {
    extensions: { violations: violations.slice(0, MAX_LISTED_VIOLATIONS) },
    reason: `${violations.length} violation(s): ${summarise(violations)}`,
  });
}

/** A 400 for a body that could not be parsed at all, with the one violation found. */
export function bodyMalformed(violation: Violation): Denial {
  return deny('body_malformed', 'The request body is not well-formed.', {
    extensions: { violations: [violation] },
    reason: `body malformed: ${violation.rule} at ${violation.pointer || '/'}`,
  });
}

/** Rules and pointers for the operator's log (pointers come from the partner's own keys). */
export function summarise(violations: readonly Violation[]): string {
  return violations
    .slice(0, MAX_LISTED_VIOLATIONS)
    .map((v) => `${v.rule}@${v.pointer || '/'}`)
    .join(', ');
}
