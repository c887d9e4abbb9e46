import { connect, type Socket } from 'node:net';
import type { ChunkSink } from './body-reader.ts';

/** Where clamd listens: a Unix socket, or a TCP host and port. */
export type ClamdAddress = { readonly socket: string } | { readonly host: string; readonly port: number };

export type ScanVerdict =
  | { readonly status: 'clean' }
  | { readonly status: 'infected'; readonly signature: string }
  /** clamd could not give a verdict: unreachable, too slow, or it answered with an error. */
  | { readonly status: 'failed'; readonly reason: string };

/** clamd's default StreamMaxLength is 25 MB; frames far smaller keep memory flat. */
const FRAME_BYTES = 64 * 1024;
const COMMAND = Buffer.from('zINSTREAM\0');
const END_OF_STREAM = Buffer.alloc(4);
const FOUND = /^stream: (.+) FOUND$/;

/**
 * One INSTREAM scan (clamd's protocol): the command, then the data as length-prefixed
 * frames while it arrives, then a zero-length frame; clamd answers one line and closes.
 * The whole scan has one time budget, from connect to verdict.
 *
 * Written here rather than taken from the `clamscan` package: the gateway already holds
 * the bytes and needs only this command, with its own time budget and failure verdicts,
 * and none of that package's fallbacks (a local `clamscan` binary, temporary files).
 */
export class ClamdScan implements ChunkSink {
  readonly #socket: Socket;
  readonly #timer: NodeJS.Timeout;
  readonly #verdict: Promise<ScanVerdict>;
  #settle!: (verdict: ScanVerdict) => void;
  #reply = '';
  #error: string | undefined;
  #settled = false;

  constructor(address: ClamdAddress, timeoutMs: number) {
    this.#verdict = new Promise((resolve) => {
      this.#settle = resolve;
    });
    this.#socket = connect(
      'socket' in address ? { path: address.socket } : { host: address.host, port: address.port },
    );
    this.#socket.setNoDelay(true);
    this.#timer = setTimeout(() => this.#fail(`no verdict within ${timeoutMs} ms`), timeoutMs);
    this.#socket.on('data', (data: Buffer) => {
      this.#reply += data.toString('latin1');
      const end = this.#reply.indexOf('\0');
      if (end !== -1) this.#conclude(this.#reply.slice(0, end));
    });
    // clamd may close the stream early (e.g. over StreamMaxLength) and still send its
    // reason: a write error (EPIPE) comes first, so the verdict waits for `close`.
    this.#socket.on('error', (error: NodeJS.ErrnoException) => {
      this.#error ??= error.code ?? 'socket error';
    });
    this.#socket.on('close', () => {
      if (this.#reply !== '') this.#conclude(this.#reply.replace(/\0+$/, ''));
      else
        this.#fail(
          this.#error === undefined ? 'clamd closed without a verdict' : `clamd unreachable (${this.#error})`,
        );
    });
    this.#socket.write(COMMAND);
  }

  /** Sends a chunk of the data to scan (framed); ignored once the scan has failed. */
  write(chunk: Buffer): void {
    if (this.#settled || this.#socket.destroyed) return;
    for (let offset = 0; offset < chunk.length; offset += FRAME_BYTES) {
      const frame = chunk.subarray(offset, offset + FRAME_BYTES);
      const header = Buffer.allocUnsafe(4);
      header.writeUInt32BE(frame.length, 0);
      this.#socket.write(header);
      this.#socket.write(frame);
    }
  }

  /** Ends the data and resolves with clamd's verdict. */
  finish(): Promise<ScanVerdict> {
    if (!this.#settled && !this.#socket.destroyed) this.#socket.write(END_OF_STREAM);
    return this.#verdict;
  }

  /** Abandons the scan (the request was refused for another reason). */
  abort(): void {
    this.#fail('aborted');
  }

  #conclude(line: string): void {
    const text = line.trim();
    const found = FOUND.exec(text);
    if (text === 'stream: OK') this.#done({ status: 'clean' });
    else if (found !== null) this.#done({ status: 'infected', signature: found[1]! });
    else this.#done({ status: 'failed', reason: `clamd answered "${text.slice(0, 120)}"` });
  }

  #fail(reason: string): void {
    this.#done({ status: 'failed', reason });
  }

  #done(verdict: ScanVerdict): void {
    if (this.#settled) return;
    this.#settled = true;
    clearTimeout(this.#timer);
    this.#socket.destroy();
    this.#settle(verdict);
  }
}
