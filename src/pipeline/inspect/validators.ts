import { _, Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { escapePointerToken, type Violation } from './violations.ts';

/** ajv-formats is CommonJS; under Node's ESM interop its default export is the function. */
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

const INT32 = 2 ** 31;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Where the `x-data-class` keyword puts what it sees during one (synchronous) validation. */
interface DataClassSink {
  set: Set<string> | undefined;
}

/** A compiled schema. */
export class Validator {
  readonly #validate: ValidateFunction;
  readonly #sink: DataClassSink;

  constructor(validate: ValidateFunction, sink: DataClassSink) {
    this.#validate = validate;
    this.#sink = sink;
  }

  /**
   * The violations of `data`, their pointers under `prefix` (e.g. `/body`), or undefined
   * when it is valid. The `x-data-class` of every annotated value present goes to `classes`.
   */
  check(data: unknown, prefix: string, classes?: Set<string>): Violation[] | undefined {
    this.#sink.set = classes;
    try {
      return this.#validate(data) ? undefined : violationsOf(this.#validate.errors, prefix);
    } finally {
      this.#sink.set = undefined;
    }
  }
}

/**
 * One Ajv instance per plan (so a reload leaves nothing behind), JSON Schema 2020-12, with
 * the formats of ajv-formats and of OpenAPI. Strict about the schema (an unknown keyword
 * is a configuration error, not a silently skipped check), all errors reported. The two
 * keywords of our own generate inline code, so they cost no call per value.
 */
export function createSchemaCompiler(): (schema: Record<string, unknown>) => Validator | string {
  const ajv = new Ajv2020({
    allErrors: true,
    strictSchema: true,
    strictNumbers: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    ownProperties: true,
    validateFormats: true,
  });
  addFormats(ajv);
  ajv.addFormat('int32', {
    type: 'number',
    validate: (n: number) => Number.isInteger(n) && n >= -INT32 && n < INT32,
  });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  ajv.addFormat('float', { type: 'number', validate: () => true });
  ajv.addFormat('double', { type: 'number', validate: () => true });
  ajv.addFormat('byte', { type: 'string', validate: BASE64 });
  ajv.addFormat('binary', { type: 'string', validate: () => true });
  ajv.addFormat('password', { type: 'string', validate: () => true });
  ajv.addKeyword({
    keyword: 'safeInteger',
    type: 'number',
    schemaType: 'boolean',
    // I-JSON (RFC 7493 §2.2): past 2^53 an integer may already have been rounded.
    code: (cxt) => cxt.fail(_`Number.isInteger(${cxt.data}) && !Number.isSafeInteger(${cxt.data})`),
  });
  const sink: DataClassSink = { set: undefined };
  ajv.addKeyword({
    keyword: 'x-data-class',
    schemaType: 'string',
    code: (cxt) => {
      const ref = cxt.gen.scopeValue('keyword', { ref: sink });
      cxt.gen.if(_`${ref}.set !== undefined`, () => cxt.gen.code(_`${ref}.set.add(${cxt.schema})`));
    },
  });
  return (schema) => {
    try {
      return new Validator(ajv.compile(schema), sink);
    } catch (error) {
      return (error as Error).message;
    }
  };
}

/** Enough to fill a problem's list after echoes are removed, without quadratic work on huge inputs. */
const MAX_CONSIDERED = 100;
/**
 * Rule names a partner sees. An unknown property is `additionalProperties` whichever of the
 * two keywords the gateway used to close the object.
 */
const RULE_NAMES: Readonly<Record<string, string>> = {
  safeInteger: 'integer_precision',
  unevaluatedProperties: 'additionalProperties',
};

interface Found extends Violation {
  /** From `unevaluatedProperties`: may only echo another violation. */
  readonly unevaluated: boolean;
}

/** Ajv errors as violations under `prefix` (e.g. `/body`), deduplicated, never with values. */
function violationsOf(errors: readonly ErrorObject[] | null | undefined, prefix: string): Violation[] {
  const found: Found[] = [];
  const seen = new Set<string>();
  for (const error of errors ?? []) {
    if (found.length === MAX_CONSIDERED) break;
    let pointer = prefix + error.instancePath;
    const p = error.params as Record<string, unknown>;
    const member = p.missingProperty ?? p.additionalProperty ?? p.unevaluatedProperty;
    if (typeof member === 'string') pointer += `/${escapePointerToken(member)}`;
    const rule = RULE_NAMES[error.keyword] ?? error.keyword;
    const key = `${pointer}\0${rule}`;
    if (seen.has(key)) continue;
    seen.add(key);
    found.push({ pointer, rule, unevaluated: error.keyword === 'unevaluatedProperties' });
  }
  return found
    .filter((v) => !v.unevaluated || !explainedElsewhere(v, found))
    .map(({ pointer, rule }) => ({ pointer, rule }));
}

/**
 * In JSON Schema 2020-12 a property that failed is not "evaluated", so its object also
 * reports it as unevaluated: an echo of the real violation, left out of the list.
 */
function explainedElsewhere(echo: Found, all: readonly Found[]): boolean {
  const prefix = `${echo.pointer}/`;
  return all.some((v) => v !== echo && (v.pointer === echo.pointer || v.pointer.startsWith(prefix)));
}
