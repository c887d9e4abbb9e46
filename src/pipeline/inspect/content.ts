import type { Exchange } from '../exchange.ts';
import type { Denial } from '../stage.ts';
import { coerceFields, groupPairs } from './coerce.ts';
import { checkDenyRules } from './deny-rules.ts';
import { type BodyKind, charsetAccepted, type MediaType, parseMediaType } from './media-type.ts';
import { type FormPart, parseMultipart } from './multipart.ts';
import type { MediaPlan } from './operation-schemas.ts';
import type { OperationRules } from './rules.ts';
import { parseStrictJson } from './strict-json.ts';
import { bodyMalformed, escapePointerToken, requestInvalid, under, type Violation } from './violations.ts';

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Parses and checks a whole body by its kind: strict JSON, UTF-8 text, a urlencoded or
 * multipart form, then the operation's schema, then the partner's deny rules. Multipart
 * file parts are added to `uploads` for the malware scan. Opaque bytes pass untouched.
 */
export function checkContent(
  ex: Exchange,
  bytes: Buffer,
  kind: BodyKind,
  media: MediaType,
  plan: MediaPlan,
  rules: OperationRules,
  uploads: Buffer[],
): Denial | undefined {
  let value: unknown;
  let denyTarget: unknown;
  switch (kind) {
    case 'binary':
      return undefined;
    case 'json': {
      const parsed = parseStrictJson(bytes, rules.json);
      if (!parsed.ok) return bodyMalformed(under('/body', parsed.violation));
      value = parsed.value;
      denyTarget = value;
      break;
    }
    case 'text': {
      const text = decodeUtf8(bytes);
      if (text === undefined) return bodyMalformed({ pointer: '/body', rule: 'utf8' });
      value = text;
      denyTarget = text;
      break;
    }
    case 'form': {
      const text = decodeUtf8(bytes);
      if (text === undefined) return bodyMalformed({ pointer: '/body', rule: 'utf8' });
      const form = readForm(groupPairs(new URLSearchParams(text)), plan);
      if ('denial' in form) return form.denial;
      value = form.value;
      denyTarget = value;
      break;
    }
    case 'multipart': {
      const parts = parseMultipart(bytes, media.params.get('boundary')!, rules.maxParts);
      if (!Array.isArray(parts)) return bodyMalformed(parts);
      const form = readParts(parts, plan, rules.scanUploads ? uploads : undefined);
      if ('denial' in form) return form.denial;
      value = form.value;
      denyTarget = form.text;
    }
  }
  if (plan.validator !== undefined) {
    const classes = plan.dataClasses ? dataClassesOf(ex) : undefined;
    const violations = plan.validator.check(value, '/body', classes);
    if (violations !== undefined) return requestInvalid(violations);
  }
  return rules.deny === undefined ? undefined : checkDenyRules(denyTarget, rules.deny);
}

/** The exchange's set of data classes seen, created on first use. */
export function dataClassesOf(ex: Exchange): Set<string> {
  ex.dataClasses ??= new Set();
  return ex.dataClasses;
}

function decodeUtf8(bytes: Buffer): string | undefined {
  try {
    return UTF8.decode(bytes);
  } catch {
    return undefined;
  }
}

type FormOutcome = { readonly value: Record<string, unknown> } | { readonly denial: Denial };

function readForm(fields: Map<string, string[]>, plan: MediaPlan): FormOutcome {
  const repeated: string[] = [];
  const value = coerceFields(fields, plan.fields, repeated);
  if (repeated.length > 0) return { denial: requestInvalid(repeated.map((n) => field(n, 'repeated'))) };
  return { value };
}

/**
 * Text parts (no file name, no type or `text/plain`) become fields; file parts become their
 * bytes as a binary string (OpenAPI `format: binary`) and are scanned when uploads are.
 */
function readParts(
  parts: readonly FormPart[],
  plan: MediaPlan,
  uploads: Buffer[] | undefined,
):
  | (FormOutcome & { readonly text?: undefined })
  | { readonly value: Record<string, unknown>; readonly text: Record<string, unknown> } {
  const textFields = new Map<string, string[]>();
  const allFields = new Map<string, string[]>();
  for (const part of parts) {
    let text: string | undefined;
    if (part.filename === undefined && isTextPart(part.contentType)) {
      text = decodeUtf8(part.body);
      if (text === undefined) return { denial: bodyMalformed(field(part.name, 'utf8')) };
      push(textFields, part.name, text);
    } else {
      uploads?.push(part.body);
      text = part.body.toString('latin1');
    }
    push(allFields, part.name, text);
  }
  const all = readForm(allFields, plan);
  if ('denial' in all) return all;
  const text = coerceFields(textFields, plan.fields, []);
  return { value: all.value, text };
}

function isTextPart(contentType: string | undefined): boolean {
  if (contentType === undefined) return true;
  const media = parseMediaType(contentType);
  return media !== undefined && media.essence === 'text/plain' && charsetAccepted(media, 'text');
}

function push(map: Map<string, string[]>, name: string, value: string): void {
  const list = map.get(name);
  if (list === undefined) map.set(name, [value]);
  else list.push(value);
}

function field(name: string, rule: string): Violation {
  return { pointer: `/body/${escapePointerToken(name)}`, rule };
}
