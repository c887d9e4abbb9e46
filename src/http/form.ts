import type { IncomingMessage } from 'node:http';

/** Parameters of an `application/x-www-form-urlencoded` body, every value of each name. */
export type FormParams = ReadonlyMap<string, readonly string[]>;

export type FormFailure = 'not_form' | 'too_large' | 'aborted';

/**
 * Reads a whole urlencoded form body of at most `limit` bytes. Anything else (another
 * media type, a larger body) is a failure; the rest of a refused body is left unread (the
 * caller closes the connection after answering).
 */
export function readForm(req: IncomingMessage, limit: number): Promise<FormParams | FormFailure> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') return Promise.resolve('not_form');
  if (Number(req.headers['content-length'] ?? 0) > limit) return Promise.resolve('too_large');
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: FormParams | FormFailure) => {
      req.off('data', onData).off('end', onEnd).off('error', onAbort).off('close', onAbort);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else {
        req.pause();
        finish('too_large');
      }
    };
    const onEnd = () => finish(parseForm(Buffer.concat(chunks).toString('utf8')));
    const onAbort = () => finish('aborted');
    req.on('data', onData).on('end', onEnd).on('error', onAbort).on('close', onAbort);
  });
}

function parseForm(text: string): FormParams {
  const params = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(text)) {
    const values = params.get(name);
    if (values === undefined) params.set(name, [value]);
    else values.push(value);
  }
  return params;
}

/** RFC 6749 §3.2: a parameter appears at most once. Undefined when absent; null when repeated. */
export function singleParam(form: FormParams, name: string): string | undefined | null {
  const values = form.get(name);
  if (values === undefined) return undefined;
  return values.length === 1 ? values[0]! : null;
}
