import type { IncomingMessage } from 'node:http';

/** Whether the request declares a body (HTTP/1.1 framing: chunked, or a non-zero Content-Length). */
export function hasRequestBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
}
