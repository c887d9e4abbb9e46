/** How a body is inspected, by its media type. */
export type BodyKind = 'json' | 'multipart' | 'form' | 'text' | 'binary';

export interface MediaType {
  /** `type/subtype`, lower-case. */
  readonly essence: string;
  /** Lower-case parameter names; values as sent (unquoted). */
  readonly params: ReadonlyMap<string, string>;
}

const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const ESSENCE = new RegExp(`^(${TOKEN})/(${TOKEN})`);
const PARAM = new RegExp(
  `^[ \\t]*;[ \\t]*(${TOKEN})=(?:(${TOKEN})|"((?:[^"\\\\\\x00-\\x08\\x0a-\\x1f\\x7f]|\\\\[\\x09\\x20-\\x7e\\x80-\\xff])*)")`,
);
const TRAILING = /^[ \t]*$/;

/** Parses a Content-Type value strictly (RFC 9110 §8.3.1); undefined when malformed. */
export function parseMediaType(value: string): MediaType | undefined {
  const head = ESSENCE.exec(value);
  if (head === null) return undefined;
  const params = new Map<string, string>();
  let rest = value.slice(head[0].length);
  while (!TRAILING.test(rest)) {
    const m = PARAM.exec(rest);
    if (m === null) return undefined;
    const name = m[1]!.toLowerCase();
    if (params.has(name)) return undefined;
    params.set(name, m[2] ?? m[3]!.replace(/\\(.)/g, '$1'));
    rest = rest.slice(m[0].length);
  }
  return { essence: `${head[1]!.toLowerCase()}/${head[2]!.toLowerCase()}`, params };
}

/** The inspection a media type gets: JSON (`application/json`, `*+json`), forms, text, or opaque bytes. */
export function kindOf(essence: string): BodyKind {
  if (essence === 'application/json' || essence.endsWith('+json')) return 'json';
  if (essence === 'multipart/form-data') return 'multipart';
  if (essence === 'application/x-www-form-urlencoded') return 'form';
  if (essence.startsWith('text/')) return 'text';
  return 'binary';
}

/** Textual bodies must be UTF-8: a `charset` parameter, when present, must say so. */
export function charsetAccepted(media: MediaType, kind: BodyKind): boolean {
  if (kind === 'binary' || kind === 'multipart') return true;
  const charset = media.params.get('charset');
  return charset === undefined || charset.toLowerCase() === 'utf-8';
}

/**
 * Media ranges of an operation (OpenAPI `content` keys) to what they map to. A request's
 * type matches its exact entry first, then `type/*`, then `*\/*`.
 */
export class MediaRanges<T> {
  readonly #entries = new Map<string, T>();

  /** Adds a range given as an OpenAPI content key; false when the key is not a media range. */
  add(range: string, value: T): boolean {
    const media = parseMediaType(range);
    if (media === undefined) return false;
    if (!this.#entries.has(media.essence)) this.#entries.set(media.essence, value);
    return true;
  }

  get size(): number {
    return this.#entries.size;
  }

  match(essence: string): T | undefined {
    const exact = this.#entries.get(essence);
    if (exact !== undefined) return exact;
    const slash = essence.indexOf('/');
    return this.#entries.get(`${essence.slice(0, slash)}/*`) ?? this.#entries.get('*/*');
  }

  /** The ranges, for an `Accept`-style list in a 415. */
  list(): string {
    return [...this.#entries.keys()].join(', ');
  }
}
