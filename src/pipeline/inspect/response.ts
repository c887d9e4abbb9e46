import { charsetAccepted, kindOf, type MediaRanges, parseMediaType } from './media-type.ts';
import type { MediaPlan } from './operation-schemas.ts';
import type { ResponsePlan } from './rules.ts';
import { parseStrictJson } from './strict-json.ts';
import { under, type Violation } from './violations.ts';

type UpstreamHeaders = Readonly<Record<string, string | string[] | undefined>>;

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Checks a whole upstream answer against the operation's documented responses: the status
 * must be documented (exactly, as `2XX`, or by `default`), the media type declared, the body
 * well-formed and valid against its schema. Returns the violations; none means it may pass.
 */
export function checkResponse(
  plan: ResponsePlan,
  status: number,
  headers: UpstreamHeaders,
  body: Buffer,
): Violation[] {
  const code = String(status);
  const key = [code, `${code[0]}XX`, 'DEFAULT'].find((k) => plan.table.has(k));
  if (key === undefined) return [{ pointer: '', rule: 'undocumented_status' }];
  const entry = plan.table.get(key) as MediaRanges<MediaPlan> | null;
  if (body.length === 0) return [];
  if (entry === null) return [{ pointer: '/body', rule: 'unexpected_body' }];
  const encoding = headers['content-encoding'];
  if (encoding !== undefined && encoding !== 'identity')
    return [{ pointer: '/body', rule: 'content_encoding' }];
  const type = headers['content-type'];
  const media = typeof type === 'string' ? parseMediaType(type) : undefined;
  const mediaPlan = media === undefined ? undefined : entry.match(media.essence);
  if (media === undefined || mediaPlan === undefined) return [{ pointer: '/body', rule: 'media_type' }];
  const kind = kindOf(media.essence);
  if (!charsetAccepted(media, kind)) return [{ pointer: '/body', rule: 'charset' }];
  return checkBody(kind, body, mediaPlan, plan);
}

function checkBody(kind: string, body: Buffer, media: MediaPlan, plan: ResponsePlan): Violation[] {
  let value: unknown;
  if (kind === 'json') {
    const parsed = parseStrictJson(body, plan.json);
    if (!parsed.ok) return [under('/body', parsed.violation)];
    value = parsed.value;
  } else if (kind === 'text') {
    try {
      value = UTF8.decode(body);
    } catch {
      return [{ pointer: '/body', rule: 'utf8' }];
    }
  } else {
    return [];
  }
  return media.validator?.check(value, '/body') ?? [];
}
