import { pointerOf, type Violation } from './violations.ts';

/** Bounds on what one JSON document may contain. */
export interface JsonLimits {
  readonly maxDepth: number;
  /** Members of one object. */
  readonly maxKeys: number;
  /** Items of one array. */
  readonly maxItems: number;
  /** UTF-16 code units of one string, keys included. */
  readonly maxStringLength: number;
  /** `reject` refuses `__proto__`, `constructor` and `prototype` keys; `strip` drops them. */
  readonly prototypeKeys: 'reject' | 'strip';
}

export type JsonResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly violation: Violation };

const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** Fatal: invalid UTF-8, overlong forms and encoded surrogates throw instead of becoming U+FFFD. */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/** Objects with fewer members than this find duplicates by a linear scan, others by a set. */
const SMALL_OBJECT = 16;
/** A number lexeme this short without an exponent cannot overflow a double. */
const SAFE_NUMBER_LENGTH = 300;

class JsonRefusal {
  readonly rule: string;
  readonly depth: number;
  constructor(rule: string, depth: number) {
    this.rule = rule;
    this.depth = depth;
  }
}

function dropPrototypeKeys(key: string, value: unknown): unknown {
  return PROTOTYPE_KEYS.has(key) ? undefined : value;
}

/**
 * Parses JSON (RFC 8259) strictly, refusing what `JSON.parse` silently accepts or
 * resolves: duplicate keys (the last would win here, the first in some upstream),
 * prototype-polluting keys, lone surrogate escapes, a byte order mark, and documents past
 * the given limits. A scanner checks all of that first; only a document that passed is
 * handed to the native `JSON.parse`, which builds the value (own data properties only, so
 * no prototype is ever touched). Never throws; a refusal names a rule and the JSON pointer
 * where it was found, never the offending value.
 */
export function parseStrictJson(bytes: Uint8Array, limits: JsonLimits): JsonResult {
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return { ok: false, violation: { pointer: '', rule: 'bom' } };
  }
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    return { ok: false, violation: { pointer: '', rule: 'utf8' } };
  }
  const scanner = new Scanner(text, limits);
  try {
    scanner.document();
  } catch (error) {
    if (!(error instanceof JsonRefusal)) throw error;
    return { ok: false, violation: { pointer: pointerOf(scanner.path, error.depth), rule: error.rule } };
  }
  try {
    return {
      ok: true,
      value: scanner.sawPrototypeKey ? JSON.parse(text, dropPrototypeKeys) : JSON.parse(text),
    };
  } catch {
    // Unreachable if the scanner is right (the fuzz tests hold it to JSON.parse).
    return { ok: false, violation: { pointer: '', rule: 'syntax' } };
  }
}

class Scanner {
  readonly #src: string;
  readonly #limits: JsonLimits;
  #pos = 0;
  #depth = 0;
  /** Key or index at each depth, for the pointer of a refusal. */
  readonly path: (string | number)[] = [];
  /** A prototype key was seen (and `strip` is configured, else it was refused). */
  sawPrototypeKey = false;

  constructor(src: string, limits: JsonLimits) {
    this.#src = src;
    this.#limits = limits;
  }

  document(): void {
    this.#skipSpace();
    this.#value();
    this.#skipSpace();
    if (this.#pos !== this.#src.length) this.#refuse('trailing_content');
  }

  #refuse(rule: string): never {
    throw new JsonRefusal(rule, this.#depth);
  }

  /** Refuses at the member whose key was just read, rather than at its object. */
  #refuseAtMember(rule: string): never {
    throw new JsonRefusal(rule, this.#depth + 1);
  }

  #skipSpace(): void {
    const src = this.#src;
    let pos = this.#pos;
    // Compact JSON has no whitespace: one comparison settles the common case.
    if (src.charCodeAt(pos) > 0x20) return;
    for (;;) {
      const c = src.charCodeAt(pos);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      pos++;
    }
    this.#pos = pos;
  }

  #value(): void {
    const c = this.#src.charCodeAt(this.#pos);
    if (c === 0x7b) this.#object();
    else if (c === 0x5b) this.#array();
    else if (c === 0x22) this.#string(false);
    else if (c === 0x74) this.#literal('true');
    else if (c === 0x66) this.#literal('false');
    else if (c === 0x6e) this.#literal('null');
    else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) this.#number();
    else this.#refuse('syntax');
  }

  #literal(word: string): void {
    if (!this.#src.startsWith(word, this.#pos)) this.#refuse('syntax');
    this.#pos += word.length;
  }

  #enter(): void {
    if (++this.#depth > this.#limits.maxDepth) this.#refuse('depth');
  }

  #object(): void {
    this.#enter();
    this.#pos++;
    const src = this.#src;
    this.#skipSpace();
    if (src.charCodeAt(this.#pos) === 0x7d) {
      this.#pos++;
      this.#depth--;
      return;
    }
    const keys: string[] = [];
    let large: Set<string> | undefined;
    for (;;) {
      if (src.charCodeAt(this.#pos) !== 0x22) this.#refuse('syntax');
      const key = this.#string(true)!;
      this.path[this.#depth - 1] = key;
      // The length test first: hashing every key for the set lookup costs more than the parse.
      if ((key.length === 9 || key.length === 11) && PROTOTYPE_KEYS.has(key)) {
        if (this.#limits.prototypeKeys === 'reject') this.#refuseAtMember('prototype_key');
        this.sawPrototypeKey = true;
      }
      if (large === undefined) {
        if (keys.includes(key)) this.#refuseAtMember('duplicate_key');
        keys.push(key);
        if (keys.length === SMALL_OBJECT) large = new Set(keys);
      } else {
        if (large.has(key)) this.#refuseAtMember('duplicate_key');
        large.add(key);
      }
      if ((large?.size ?? keys.length) > this.#limits.maxKeys) this.#refuse('keys');
      this.#skipSpace();
      if (src.charCodeAt(this.#pos) !== 0x3a) this.#refuse('syntax');
      this.#pos++;
      this.#skipSpace();
      this.#value();
      this.#skipSpace();
      const next = src.charCodeAt(this.#pos++);
      if (next === 0x7d) break;
      if (next !== 0x2c) this.#refuse('syntax');
      this.#skipSpace();
    }
    this.#depth--;
  }

  #array(): void {
    this.#enter();
    this.#pos++;
    const src = this.#src;
    this.#skipSpace();
    if (src.charCodeAt(this.#pos) === 0x5d) {
      this.#pos++;
      this.#depth--;
      return;
    }
    for (let index = 0; ; index++) {
      if (index === this.#limits.maxItems) this.#refuse('items');
      this.path[this.#depth - 1] = index;
      this.#value();
      this.#skipSpace();
      const next = src.charCodeAt(this.#pos++);
      if (next === 0x5d) break;
      if (next !== 0x2c) this.#refuse('syntax');
      this.#skipSpace();
    }
    this.#depth--;
  }

  /** Checks a string; returns its value only when `wanted` (keys, for duplicate detection). */
  #string(wanted: boolean): string | undefined {
    const src = this.#src;
    const start = ++this.#pos;
    let pos = start;
    // Fast path: no escapes.
    for (;;) {
      const c = src.charCodeAt(pos);
      if (c === 0x22) {
        if (pos - start > this.#limits.maxStringLength) this.#refuse('string_length');
        this.#pos = pos + 1;
        return wanted ? src.slice(start, pos) : undefined;
      }
      if (c === 0x5c) break;
      // Also true past the end, where charCodeAt gives NaN.
      if (!(c >= 0x20)) this.#refuse('syntax');
      pos++;
    }
    let out = wanted ? src.slice(start, pos) : '';
    let length = pos - start;
    let chunk = pos;
    for (;;) {
      const c = src.charCodeAt(pos);
      if (c === 0x22) break;
      // Also true past the end, where charCodeAt gives NaN.
      if (!(c >= 0x20)) this.#refuse('syntax');
      if (c !== 0x5c) {
        pos++;
        length++;
        continue;
      }
      if (wanted) out += src.slice(chunk, pos);
      const e = src.charCodeAt(pos + 1);
      pos += 2;
      length++;
      if (e === 0x75) {
        const unit = this.#hex4(pos);
        pos += 4;
        if (unit >= 0xdc00 && unit <= 0xdfff) this.#refuse('lone_surrogate');
        if (unit >= 0xd800 && unit <= 0xdbff) {
          if (src.charCodeAt(pos) !== 0x5c || src.charCodeAt(pos + 1) !== 0x75)
            this.#refuse('lone_surrogate');
          const low = this.#hex4(pos + 2);
          if (low < 0xdc00 || low > 0xdfff) this.#refuse('lone_surrogate');
          if (wanted) out += String.fromCharCode(unit, low);
          pos += 6;
          length++;
        } else if (wanted) {
          out += String.fromCharCode(unit);
        }
      } else {
        const escaped = ESCAPES.get(e);
        if (escaped === undefined) this.#refuse('syntax');
        if (wanted) out += escaped;
      }
      chunk = pos;
    }
    if (length > this.#limits.maxStringLength) this.#refuse('string_length');
    this.#pos = pos + 1;
    return wanted ? out + src.slice(chunk, pos) : undefined;
  }

  #hex4(pos: number): number {
    let unit = 0;
    for (let i = 0; i < 4; i++) {
      const c = this.#src.charCodeAt(pos + i);
      let digit: number;
      if (c >= 0x30 && c <= 0x39) digit = c - 0x30;
      else if (c >= 0x61 && c <= 0x66) digit = c - 0x57;
      else if (c >= 0x41 && c <= 0x46) digit = c - 0x37;
      else return this.#refuse('syntax');
      unit = unit * 16 + digit;
    }
    return unit;
  }

  #number(): void {
    const src = this.#src;
    const start = this.#pos;
    let pos = start;
    if (src.charCodeAt(pos) === 0x2d) pos++;
    const first = src.charCodeAt(pos);
    if (first === 0x30) pos++;
    else if (first >= 0x31 && first <= 0x39) pos = this.#digits(pos);
    else this.#refuse('syntax');
    if (src.charCodeAt(pos) === 0x2e) {
      const after = this.#digits(pos + 1);
      if (after === pos + 1) this.#refuse('syntax');
      pos = after;
    }
    let exponent = false;
    const e = src.charCodeAt(pos);
    if (e === 0x65 || e === 0x45) {
      exponent = true;
      pos++;
      const sign = src.charCodeAt(pos);
      if (sign === 0x2b || sign === 0x2d) pos++;
      const after = this.#digits(pos);
      if (after === pos) this.#refuse('syntax');
      pos = after;
    }
    if ((exponent || pos - start > SAFE_NUMBER_LENGTH) && !Number.isFinite(Number(src.slice(start, pos))))
      this.#refuse('number_range');
    this.#pos = pos;
  }

  #digits(pos: number): number {
    const src = this.#src;
    for (;;) {
      const c = src.charCodeAt(pos);
      // Past the end charCodeAt is NaN, which no comparison holds for.
      if (!(c >= 0x30 && c <= 0x39)) return pos;
      pos++;
    }
  }
}

const ESCAPES: ReadonlyMap<number, string> = new Map([
  [0x22, '"'],
  [0x5c, '\\'],
  [0x2f, '/'],
  [0x62, '\b'],
  [0x66, '\f'],
  [0x6e, '\n'],
  [0x72, '\r'],
  [0x74, '\t'],
]);
