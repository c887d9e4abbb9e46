import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { holdBodyUntilInvited } from './body.ts';
import type { HttpLimits } from './config.ts';
import { GatedResponse } from './gated-response.ts';
import { rawProblemResponse } from './problem.ts';
import type { ProblemCode } from './problem-codes.ts';

/** Node/llhttp parser error codes mapped to our problem codes; anything else is `request_malformed`. */
const PARSER_ERRORS: Readonly<Record<string, ProblemCode>> = {
  HPE_HEADER_OVERFLOW: 'headers_too_large',
  HPE_INVALID_HEADER_TOKEN: 'header_invalid',
  HPE_LF_EXPECTED: 'header_invalid',
  HPE_CR_EXPECTED: 'header_invalid',
  HPE_UNEXPECTED_CONTENT_LENGTH: 'framing_invalid',
  HPE_INVALID_CONTENT_LENGTH: 'framing_invalid',
  HPE_INVALID_TRANSFER_ENCODING: 'framing_invalid',
  HPE_INVALID_CHUNK_SIZE: 'framing_invalid',
  HPE_INVALID_URL: 'path_not_canonical',
  HPE_INVALID_METHOD: 'request_malformed',
  ERR_HTTP_REQUEST_TIMEOUT: 'request_timeout',
};

export interface ListenerEvents {
  readonly onRequest: (req: IncomingMessage, res: GatedResponse) => void;
  /**
   * A request refused before it could be parsed. The refusal is written once the returned
   * promise settles (its audit event is committed), or at once when there is none.
   */
  readonly onRejected: (
    decisionId: string,
    code: ProblemCode,
    peerAddress: string,
    reason: string,
  ) => Promise<void> | undefined;
  readonly problemTypeBase: () => string;
}

/**
 * The public HTTP/1.1 listener. Node's parser runs in strict mode; whatever it refuses
 * (and CONNECT, which it hands over raw) still gets a problem response and a decision id.
 */
export function createListener(
  limits: HttpLimits,
  events: ListenerEvents,
): Server<typeof IncomingMessage, typeof GatedResponse> {
  const server = createServer<typeof IncomingMessage, typeof GatedResponse>(
    {
      ServerResponse: GatedResponse,
      requireHostHeader: false, // checked by the route stage, so the answer is a problem
      joinDuplicateHeaders: false,
      insecureHTTPParser: false,
      maxHeaderSize: limits.maxHeaderBytes,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
    },
    events.onRequest,
  );
  // One over the limit, so the route stage sees that the limit was passed and refuses.
  server.maxHeadersCount = limits.maxHeaderCount + 1;
  // Node would send `100 Continue` at once; the stage that reads the body sends it instead.
  server.on('checkContinue', (req: IncomingMessage, res: GatedResponse) => {
    holdBodyUntilInvited(req);
    events.onRequest(req, res);
  });
  // Node would answer a bare 417; the route stage refuses with a problem and a decision id.
  server.on('checkExpectation', events.onRequest);

  // Both events hand over the net.Socket typed as a Duplex.
  const refuse = (stream: Duplex, code: ProblemCode, reason: string): void => {
    const socket = stream as Socket;
    const decisionId = randomUUID();
    const answer = () => {
      if (socket.writable) socket.end(rawProblemResponse({ code, decisionId }, events.problemTypeBase()));
      socket.destroySoon();
    };
    const recorded = events.onRejected(decisionId, code, socket.remoteAddress ?? '', reason);
    if (recorded === undefined) answer();
    else recorded.then(answer, () => socket.destroy());
  };

  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const code = PARSER_ERRORS[error.code ?? ''] ?? 'request_malformed';
    refuse(socket, code, `parser error ${error.code ?? 'unknown'}`);
  });
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
    refuse(socket, 'request_target_invalid', 'CONNECT is not supported');
  });
  return server;
}
