import type { IncomingMessage, ServerResponse } from 'node:http';

/** Requests that sent `Expect: 100-continue` and have not been told to send their body yet. */
const awaitingInvitation = new WeakSet<IncomingMessage>();

/**
 * Notes that the client waits for `100 Continue` before sending its body. The listener
 * takes this over from Node, which would invite every body at once, before any check ran.
 */
export function holdBodyUntilInvited(req: IncomingMessage): void {
  awaitingInvitation.add(req);
}

/**
 * Asks a client that sent `Expect: 100-continue` for its body, once. Called by whatever
 * reads the body: content inspection (after authentication and limits), the forwarder
 * (after every check) and the token endpoint. A request refused before that is answered
 * without its body ever being sent (and its connection closed, as the body is unread).
 */
export function inviteBody(req: IncomingMessage, res: ServerResponse): void {
  if (awaitingInvitation.delete(req) && !res.headersSent && !res.destroyed) res.writeContinue();
}

/** Whether the request declares a body (HTTP/1.1 framing: chunked, or a non-zero Content-Length). */
export function hasRequestBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
}
