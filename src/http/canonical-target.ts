import type { ProblemCode } from './problem-codes.ts';

/** A request target that passed every canonical-form rule. */
export interface CanonicalTarget {
  /** The path exactly as received (it is already canonical, so it is forwarded as is). */
  readonly path: string;
  /** The raw query string without `?`, or '' when there is none. */
  readonly query: string;
  /** Percent-decoded path segments; a trailing slash yields a final ''. */
  readonly segments: readonly string[];
}

export interface Rejection {
  readonly code: ProblemCode;
  readonly detail: string;
}

export interface TargetLimits {
  readonly maxPathBytes: number;
  readonly maxQueryBytes: number;
}

const SLASH = 0x2f;
const BACKSLASH = 0x5c;
const PERCENT = 0x25;
const HASH = 0x23;

/** A canonical-form failure: a problem code and its fixed, partner-safe sentence. */
export function reject(code: ProblemCode, detail: string): Rejection {
  return { code, detail };
}

const ORIGIN_FORM_ONLY = reject('request_target_invalid', 'Only origin-form request targets are accepted.');
const DOT_SEGMENT = reject('path_not_canonical', 'Path contains a "." or ".." segment.');
const EMPTY_SEGMENT = reject('path_not_canonical', 'Path contains an empty segment.');
const BACKSLASH_IN_PATH = reject('path_not_canonical', 'Path contains a backslash.');
const FRAGMENT_IN_TARGET = reject('path_not_canonical', 'Request target contains a fragment.');
const BAD_CHARACTER = reject('path_not_canonical', 'Path contains a character that must be percent-encoded.');
const BAD_ESCAPE = reject('path_not_canonical', 'Path contains an invalid percent-encoding.');
const ENCODED_DELIMITER = reject(
  'path_not_canonical',
  'Path percent-encodes "/", "\\", ".", or a control character.',
);
const PATH_TOO_LONG = reject('path_too_long', 'Path exceeds the configured length limit.');
const QUERY_TOO_LONG = reject('query_too_long', 'Query string exceeds the configured length limit.');

/**
 * Checks a request target against the strict canonical form and splits it into segments.
 * Anything an upstream could read differently from us (dot segments, encoded separators,
 * backslashes, empty segments) is rejected instead of normalised, so the route we match
 * is the route the upstream serves.
 */
export function canonicaliseTarget(target: string, limits: TargetLimits): CanonicalTarget | Rejection {
  if (target.charCodeAt(0) !== SLASH) return ORIGIN_FORM_ONLY;
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  const query = q === -1 ? '' : target.slice(q + 1);
  if (path.length > limits.maxPathBytes) return PATH_TOO_LONG;
  if (query.length > limits.maxQueryBytes) return QUERY_TOO_LONG;
  if (query.includes('#')) return FRAGMENT_IN_TARGET;

  const segments: string[] = [];
  let start = 1;
  let escaped = false;
  const end = path.length;
  for (let i = 1; i <= end; i++) {
    const c = i < end ? path.charCodeAt(i) : SLASH;
    if (c === SLASH) {
      const raw = path.slice(start, i);
      if (raw.length === 0 && i < end) return EMPTY_SEGMENT;
      if (raw === '.' || raw === '..') return DOT_SEGMENT;
      if (escaped) {
        const decoded = decodeSegment(raw);
        if (typeof decoded !== 'string') return decoded;
        segments.push(decoded);
      } else {
        segments.push(raw);
      }
      start = i + 1;
      escaped = false;
    } else if (c === PERCENT) {
      escaped = true;
    } else if (c === BACKSLASH) {
      return BACKSLASH_IN_PATH;
    } else if (c === HASH) {
      return FRAGMENT_IN_TARGET;
    } else if (c <= 0x20 || c >= 0x7f) {
      return BAD_CHARACTER;
    }
  }
  return { path, query, segments };
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

function decodeSegment(raw: string): string | Rejection {
  for (let i = raw.indexOf('%'); i !== -1; i = raw.indexOf('%', i + 3)) {
    const hi = hexValue(raw.charCodeAt(i + 1));
    const lo = hexValue(raw.charCodeAt(i + 2));
    if (hi < 0 || lo < 0) return BAD_ESCAPE;
    const byte = hi * 16 + lo;
    if (byte === SLASH || byte === BACKSLASH || byte === 0x2e || byte < 0x20 || byte === 0x7f) {
      return ENCODED_DELIMITER;
    }
  }
  try {
    return decodeURIComponent(raw);
  } catch {
    return BAD_ESCAPE;
  }
}
