import type { ServerResponse } from 'node:http';

/** Writes a JSON answer of the gateway's own (never cached, tagged with the request id). */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  requestId: string,
  headers?: Readonly<Record<string, string>>,
): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  if (headers !== undefined) for (const name in headers) res.setHeader(name, headers[name]!);
  res.setHeader('content-type', 'application/json');
  res.setHeader('cache-control', 'no-store');
  res.setHeader('x-request-id', requestId);
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
}
