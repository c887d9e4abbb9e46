import { hasRequestBody, inviteBody } from '../../http/body.ts';
import type { Exchange, HeaderEdits } from '../exchange.ts';
import { type Denial, deny, type Stage, type Verdict } from '../stage.ts';
import { BODY_TOO_LARGE, type ContentCoding, readBody } from './body-reader.ts';
import type { ClamdScan, ScanVerdict } from './clamd.ts';
import type { InspectPlan } from './config.ts';
import { checkContent, dataClassesOf } from './content.ts';
import { contentDigest, verifyContentDigest } from './digest.ts';
import { type BodyKind, charsetAccepted, kindOf, type MediaType, parseMediaType } from './media-type.ts';
import { isBoundary } from './multipart.ts';
import type { MediaPlan } from './operation-schemas.ts';
import { checkParameters } from './parameters.ts';
import type { OperationRules } from './rules.ts';
import { Scanner, type ScannerDeps } from './scanner.ts';
import { requestInvalid } from './violations.ts';

const NO_RULES = deny('internal_error', undefined, {
  reason: 'no content rules for this partner and operation',
});
const BODY_REQUIRED = requestInvalid([{ pointer: '/body', rule: 'required' }]);
const NO_BODY_ACCEPTED = deny('media_type_unsupported', 'This operation accepts no request body.', {
  reason: 'body sent to an operation that declares no requestBody',
});
const TYPE_MISSING = deny('media_type_unsupported', 'A Content-Type header is required with a body.', {
  reason: 'body without Content-Type (no sniffing)',
});
const TYPE_MALFORMED = deny('media_type_unsupported', 'The Content-Type header is malformed.', {
  reason: 'Content-Type does not parse',
});
const CHARSET = deny('media_type_unsupported', 'Textual bodies must be UTF-8.', {
  reason: 'charset parameter other than utf-8',
});
const CODINGS: ReadonlyMap<string, ContentCoding> = new Map([
  ['gzip', 'gzip'],
  ['x-gzip', 'gzip'],
  ['deflate', 'deflate'],
  ['br', 'br'],
]);
/** A body sent from memory as received: only its length is the forwarder's to set. */
const FROM_MEMORY: HeaderEdits = { drop: new Set(['content-length']), add: [] };
/** When the answer is checked, ask for it uncompressed so there is nothing to decode. */
const IDENTITY_ANSWER: HeaderEdits = {
  drop: new Set(['accept-encoding']),
  add: ['accept-encoding', 'identity'],
};

/**
 * Content inspection, after authentication and before authorisation (whose policies may
 * use the data classes found). Parameters are checked against the OpenAPI operation; a
 * body is refused on its headers alone where possible (type, coding, declared length),
 * else read up to the limit and checked whole: digest, strict parsing, schema, deny rules,
 * malware scan. The checked bytes are what the forwarder sends. Opaque bodies that need no
 * check (no scan, no digest, no coding, declared length) keep streaming.
 */
export function createInspectStage(plan: InspectPlan, deps: ScannerDeps): Stage {
  const scanner = plan.scanner === undefined ? undefined : new Scanner(plan.scanner, deps);

  return function inspect(ex: Exchange): Verdict | Promise<Verdict> {
    const rules = plan.rules.get(ex.identity!.partner)?.get(ex.route!.target.operation);
    if (rules === undefined) return NO_RULES;
    if (!rules.enabled) return undefined;
    ex.responsePlan = rules.response;
    if (rules.response?.validate === true) ex.upstreamHeaderEdits = IDENTITY_ANSWER;
    const parameters = rules.parameters;
    const classes = parameters?.dataClasses === true ? dataClassesOf(ex) : undefined;
    const violations = checkParameters(parameters, ex, rules.rejectUnknownQuery, classes);
    if (violations !== undefined) return requestInvalid(violations);
    if (!hasRequestBody(ex.req)) return rules.body?.required === true ? BODY_REQUIRED : undefined;
    return inspectBody(ex, rules, scanner);
  };
}

function inspectBody(
  ex: Exchange,
  rules: OperationRules,
  scanner: Scanner | undefined,
): Verdict | Promise<Verdict> {
  const headers = ex.req.headers;
  if (rules.body === undefined) return NO_BODY_ACCEPTED;
  const type = headers['content-type'];
  if (type === undefined) return TYPE_MISSING;
  const media = parseMediaType(type);
  if (media === undefined) return TYPE_MALFORMED;
  const plan = rules.body.media.match(media.essence);
  if (plan === undefined) {
    return deny('media_type_unsupported', 'This operation does not accept this media type.', {
      reason: `media type ${media.essence} not in ${rules.body.media.list()}`,
    });
  }
  const kind = kindOf(media.essence);
  if (!charsetAccepted(media, kind)) return CHARSET;
  if (kind === 'multipart' && !isBoundary(media.params.get('boundary'))) return TYPE_MALFORMED;
  const coding = contentCoding(headers['content-encoding'], rules);
  if (typeof coding === 'object') return coding;
  const length = headers['content-length'];
  if (length !== undefined && Number(length) > rules.maxBodyBytes) return BODY_TOO_LARGE;
  const digest = headers['content-digest'] as string | undefined;
  if (
    kind === 'binary' &&
    length !== undefined &&
    coding === undefined &&
    digest === undefined &&
    !rules.scanUploads &&
    !rules.requireDigest &&
    rules.forwardDigest === undefined
  ) {
    return undefined;
  }
  return readAndCheck(ex, rules, { kind, media, plan, coding, digest }, scanner);
}

interface BodyFacts {
  readonly kind: BodyKind;
  readonly media: MediaType;
  readonly plan: MediaPlan;
  readonly coding: ContentCoding | undefined;
  readonly digest: string | undefined;
}

async function readAndCheck(
  ex: Exchange,
  rules: OperationRules,
  facts: BodyFacts,
  scanner: Scanner | undefined,
): Promise<Verdict> {
  const stream = facts.kind === 'binary' && rules.scanUploads ? scanner!.open() : undefined;
  inviteBody(ex.req, ex.res);
  const read = await readBody(ex.req, {
    maxBytes: rules.maxBodyBytes,
    maxRatio: rules.maxRatio,
    coding: facts.coding,
    keepWire: facts.coding !== undefined && facts.digest !== undefined,
    sink: stream,
  });
  if ('code' in read) return abandon(stream, read);
  const mismatch = verifyContentDigest(facts.digest, read.wire, rules.requireDigest);
  if (mismatch !== undefined) return abandon(stream, mismatch);
  const bytes = read.bytes;
  // Kept for the audit trail (its digest) even if refused below; only sent if all passes.
  ex.body = bytes;
  if (bytes.length === 0 && stream === undefined) {
    if (rules.body!.required) return BODY_REQUIRED;
    ex.upstreamHeaderEdits = bodyEdits(ex, rules, facts);
    return undefined;
  }
  const uploads: Buffer[] = [];
  const refused = checkContent(ex, bytes, facts.kind, facts.media, facts.plan, rules, uploads);
  if (refused !== undefined) return abandon(stream, refused);
  if (rules.forwardDigest !== undefined) ex.contentDigest = contentDigest(rules.forwardDigest, bytes);
  if (stream !== undefined || uploads.length > 0) {
    const verdicts: ScanVerdict[] =
      stream !== undefined ? [await stream.finish()] : await scanner!.scanAll(uploads);
    const judged = scanner!.judge(ex, verdicts, rules.failOpen, rules.label);
    if (judged !== undefined) return judged;
  }
  ex.upstreamHeaderEdits = bodyEdits(ex, rules, facts);
  return undefined;
}

function abandon(stream: ClamdScan | undefined, denial: Denial): Denial {
  stream?.abort();
  return denial;
}

/** The body is sent from memory: its length is recomputed; a removed coding takes its digest with it. */
function bodyEdits(ex: Exchange, rules: OperationRules, facts: BodyFacts): HeaderEdits {
  const previous = ex.upstreamHeaderEdits;
  if (facts.coding === undefined && rules.forwardDigest === undefined && previous === undefined)
    return FROM_MEMORY;
  const drop = new Set(['content-length']);
  const add: string[] = [];
  if (facts.coding !== undefined) {
    drop.add('content-encoding');
    drop.add('content-digest');
  }
  if (rules.forwardDigest !== undefined) {
    drop.add('content-digest');
    add.push('content-digest', ex.contentDigest!);
  }
  if (previous !== undefined) {
    for (const name of previous.drop) drop.add(name);
    add.push(...previous.add);
  }
  return { drop, add };
}

/** The single content coding of a body, if any, when the contract accepts it. */
function contentCoding(value: string | undefined, rules: OperationRules): ContentCoding | undefined | Denial {
  if (value === undefined) return undefined;
  const codings = value
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
  if (codings.length === 0) return undefined;
  const coding = codings.length === 1 ? CODINGS.get(codings[0]!) : undefined;
  if (coding === undefined || !rules.encodings.has(coding)) {
    return deny('encoding_unsupported', 'This content coding is not accepted.', {
      headers: { 'accept-encoding': rules.acceptEncoding },
      reason: `Content-Encoding ${value} not accepted`,
    });
  }
  return coding;
}
