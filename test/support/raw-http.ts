import { connect } from 'node:net';

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly text: string;
}

/**
 * Sends bytes exactly as given over a new TCP connection and reads the first response.
 * Resolves `undefined` when the server closed without answering.
 */
export function rawRequest(
  port: number,
  request: string | Buffer,
  timeoutMs = 2000,
): Promise<RawResponse | undefined> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete response within ${timeoutMs} ms: ${data.toString('latin1')}`));
    }, timeoutMs);
    const finish = () => {
      const parsed = parse(data.toString('latin1'));
      if (parsed === undefined) return false;
      clearTimeout(timer);
      socket.destroy();
      resolve(parsed);
      return true;
    };
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      finish();
    });
    socket.on('close', () => {
      if (!finish()) {
        clearTimeout(timer);
        resolve(undefined);
      }
    });
    socket.on('error', () => {});
    socket.write(typeof request === 'string' ? Buffer.from(request, 'latin1') : request);
  });
}

/** What a client that sent `Expect: 100-continue` saw: the interim answer, if any, then the final one. */
export interface ContinueExchange {
  /** True when the server sent `100 Continue` (and so the body was sent after it). */
  readonly invited: boolean;
  readonly response: RawResponse | undefined;
}

/**
 * Plays a careful client: sends `head` (which should carry `Expect: 100-continue`), sends
 * `body` only after a `100 Continue`, and reads the final response. A final response that
 * comes first is returned as it is, and the body is never sent.
 */
export function requestWithContinue(
  port: number,
  head: string,
  body: string,
  timeoutMs = 2000,
): Promise<ContinueExchange> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    let invited = false;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete response within ${timeoutMs} ms: ${data}`));
    }, timeoutMs);
    const settle = (response: RawResponse | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ invited, response });
    };
    socket.on('data', (chunk: Buffer) => {
      data += chunk.toString('latin1');
      if (!invited && data.startsWith('HTTP/1.1 100 ')) {
        const end = data.indexOf('\r\n\r\n');
        if (end === -1) return;
        invited = true;
        data = data.slice(end + 4);
        socket.write(Buffer.from(body, 'latin1'));
      }
      const parsed = parse(data);
      if (parsed !== undefined) settle(parsed);
    });
    socket.on('close', () => settle(parse(data)));
    socket.on('error', () => {});
    socket.write(Buffer.from(head, 'latin1'));
  });
}

function parse(text: string): RawResponse | undefined {
  const end = text.indexOf('\r\n\r\n');
  if (end === -1) return undefined;
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? 0);
  const body = text.slice(end + 4);
  if (body.length < length) return undefined;
  return { status: Number(statusLine!.split(' ')[1]), headers, body: body.slice(0, length), text };
}
