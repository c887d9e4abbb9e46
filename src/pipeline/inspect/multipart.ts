import type { Violation } from './violations.ts';

/** One part of a `multipart/form-data` body. */
export interface FormPart {
  readonly name: string;
  /** Present for file uploads. */
  readonly filename: string | undefined;
  readonly contentType: string | undefined;
  readonly body: Buffer;
}

/** RFC 2046 §5.1.1 boundary: 1–70 of these characters, not ending in a space. */
const BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/;
const HEADER_LINE = /^([A-Za-z0-9-]+):[ \t]*(.*?)[ \t]*$/;
const DISPOSITION_PARAM = /^;[ \t]*([A-Za-z*]+)="((?:[^"\\\r\n]|\\.)*)"[ \t]*/;
const MAX_PART_HEADER_BYTES = 8 * 1024;
const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

function refuse(rule: string, pointer = '/body'): Violation {
  return { pointer, rule };
}

/** Whether a Content-Type `boundary` parameter is acceptable. */
export function isBoundary(value: string | undefined): value is string {
  return value !== undefined && BOUNDARY.test(value);
}

/**
 * Parses a whole `multipart/form-data` body (RFC 7578) strictly: no preamble or epilogue,
 * every part named by `Content-Disposition: form-data; name="…"`, no headers but
 * Content-Disposition and Content-Type (no Content-Transfer-Encoding, no `filename*`),
 * and a closing delimiter. Anything an upstream parser might read differently is refused.
 */
export function parseMultipart(body: Buffer, boundary: string, maxParts: number): FormPart[] | Violation {
  const delimiter = Buffer.from(`--${boundary}`);
  const next = Buffer.from(`\r\n--${boundary}`);
  if (!body.subarray(0, delimiter.length).equals(delimiter)) return refuse('multipart_preamble');
  const parts: FormPart[] = [];
  let pos = delimiter.length;
  for (;;) {
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) {
      const rest = body.subarray(pos + 2);
      return rest.length === 0 || rest.equals(CRLF) ? parts : refuse('multipart_epilogue');
    }
    if (body[pos] !== 0x0d || body[pos + 1] !== 0x0a) return refuse('multipart_syntax');
    pos += 2;
    if (parts.length === maxParts) return refuse('multipart_parts');
    const headerEnd = body.indexOf(HEADER_END, pos);
    if (headerEnd === -1 || headerEnd - pos > MAX_PART_HEADER_BYTES) return refuse('multipart_syntax');
    const headers = readHeaders(body.toString('latin1', pos, headerEnd));
    if ('rule' in headers) return headers;
    const start = headerEnd + HEADER_END.length;
    const end = body.indexOf(next, start);
    if (end === -1) return refuse('multipart_unterminated');
    parts.push({ ...headers, body: body.subarray(start, end) });
    pos = end + next.length;
  }
}

function readHeaders(block: string): Omit<FormPart, 'body'> | Violation {
  let disposition: string | undefined;
  let contentType: string | undefined;
  for (const line of block.split('\r\n')) {
    const m = HEADER_LINE.exec(line);
    if (m === null) return refuse('multipart_syntax');
    const name = m[1]!.toLowerCase();
    if (name === 'content-disposition' && disposition === undefined) disposition = m[2]!;
    else if (name === 'content-type' && contentType === undefined) contentType = m[2]!;
    else return refuse('multipart_header');
  }
  if (disposition === undefined) return refuse('multipart_header');
  return readDisposition(disposition, contentType);
}

function readDisposition(value: string, contentType: string | undefined): Omit<FormPart, 'body'> | Violation {
  if (!/^form-data[ \t]*/i.test(value)) return refuse('multipart_header');
  let rest = value.replace(/^form-data[ \t]*/i, '');
  const params = new Map<string, string>();
  while (rest !== '') {
    const m = DISPOSITION_PARAM.exec(rest);
    if (m === null) return refuse('multipart_header');
    const key = m[1]!.toLowerCase();
    if ((key !== 'name' && key !== 'filename') || params.has(key)) return refuse('multipart_header');
    params.set(key, m[2]!.replace(/\\(.)/g, '$1'));
    rest = rest.slice(m[0].length);
  }
  const name = params.get('name');
  if (name === undefined || name === '') return refuse('multipart_header');
  // Names are UTF-8 in practice (RFC 7578 §5.1); they were read as latin1 bytes.
  return {
    name: Buffer.from(name, 'latin1').toString('utf8'),
    filename: params.get('filename'),
    contentType,
  };
}
