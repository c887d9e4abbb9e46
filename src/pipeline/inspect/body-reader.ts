import type { IncomingMessage } from 'node:http';
import type { Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { type Denial, deny } from '../stage.ts';
import { bodyMalformed } from './violations.ts';

/** Content codings the gateway can remove (RFC 9110 §8.4.1). */
export type ContentCoding = 'gzip' | 'deflate' | 'br';

/** Receives the decoded body as it arrives (a malware scan streaming to clamd). */
export interface ChunkSink {
  write(chunk: Buffer): void;
}

export interface ReadOptions {
  /** Limit on the decoded body, and on the bytes on the wire. */
  readonly maxBytes: number;
  /** Decoded bytes may be at most this many times the wire bytes (past a small floor). */
  readonly maxRatio: number;
  readonly coding: ContentCoding | undefined;
  /** Keep the bytes as received too (to check a digest of an encoded body). */
  readonly keepWire: boolean;
  readonly sink: ChunkSink | undefined;
}

export interface BodyBytes {
  /** The body after removing its content coding. */
  readonly bytes: Buffer;
  /** The body as received; `bytes` itself when there was no coding or it was not kept. */
  readonly wire: Buffer;
}

/** Small bodies compress well; the ratio cap only applies past this many decoded bytes. */
const RATIO_FLOOR_BYTES = 64 * 1024;

export const BODY_TOO_LARGE = deny('body_too_large', 'The request body exceeds the size limit.', {
  reason: 'body larger than the limit',
});
const RATIO_EXCEEDED = deny('body_too_large', 'The request body exceeds the size limit.', {
  reason: 'decoded body exceeds the compression ratio cap',
});
const INCOMPLETE = deny('request_malformed', 'The request body was not received completely.', {
  reason: 'request body incomplete (client aborted or errored)',
});
const DECODING_FAILED = bodyMalformed({ pointer: '/body', rule: 'content_encoding' });

/**
 * Reads a request body into memory up to a limit, removing its content coding on the
 * way. Refuses (413) the moment the wire bytes or the decoded bytes pass the limit, or the
 * decoded size outgrows the ratio cap (a compression bomb), and then stops reading: the
 * rest is never pulled in, and the gateway closes the connection after its answer.
 */
export function readBody(req: IncomingMessage, options: ReadOptions): Promise<BodyBytes | Denial> {
  return new Promise((resolve) => new BodyReader(req, options, resolve).start());
}

class BodyReader {
  readonly #req: IncomingMessage;
  readonly #options: ReadOptions;
  readonly #resolve: (outcome: BodyBytes | Denial) => void;
  readonly #chunks: Buffer[] = [];
  readonly #wireChunks: Buffer[] | undefined;
  #size = 0;
  #wireSize = 0;
  #decoder: Transform | undefined;
  #done = false;

  constructor(req: IncomingMessage, options: ReadOptions, resolve: (outcome: BodyBytes | Denial) => void) {
    this.#req = req;
    this.#options = options;
    this.#resolve = resolve;
    this.#wireChunks = options.coding !== undefined && options.keepWire ? [] : undefined;
  }

  start(): void {
    const req = this.#req;
    if (this.#options.coding !== undefined) this.#decoder = this.#createDecoder(this.#options.coding);
    req.on('data', this.#onWire);
    req.on('end', this.#onWireEnd);
    req.on('error', this.#onAbort);
    req.on('close', this.#onClose);
  }

  #createDecoder(coding: ContentCoding): Transform {
    const decoder =
      coding === 'br' ? createBrotliDecompress() : coding === 'gzip' ? createGunzip() : createInflate();
    decoder.on('data', this.#onDecoded);
    decoder.on('end', this.#onDecodedEnd);
    decoder.on('error', () => this.#finish(DECODING_FAILED));
    return decoder;
  }

  readonly #onWire = (chunk: Buffer): void => {
    if (this.#done) return;
    this.#wireSize += chunk.length;
    if (this.#wireSize > this.#options.maxBytes) {
      this.#finish(BODY_TOO_LARGE);
      return;
    }
    const decoder = this.#decoder;
    if (decoder === undefined) {
      this.#onDecoded(chunk);
      return;
    }
    this.#wireChunks?.push(chunk);
    if (!decoder.write(chunk)) {
      this.#req.pause();
      decoder.once('drain', this.#onDrain);
    }
  };

  readonly #onDrain = (): void => {
    if (!this.#done) this.#req.resume();
  };

  readonly #onDecoded = (chunk: Buffer): void => {
    if (this.#done) return;
    this.#size += chunk.length;
    const { maxBytes, maxRatio } = this.#options;
    if (this.#size > maxBytes) {
      this.#finish(BODY_TOO_LARGE);
      return;
    }
    if (this.#size > RATIO_FLOOR_BYTES && this.#size > maxRatio * this.#wireSize) {
      this.#finish(RATIO_EXCEEDED);
      return;
    }
    this.#options.sink?.write(chunk);
    this.#chunks.push(chunk);
  };

  readonly #onWireEnd = (): void => {
    if (this.#decoder === undefined) this.#onDecodedEnd();
    else this.#decoder.end();
  };

  readonly #onDecodedEnd = (): void => {
    if (this.#done) return;
    const bytes = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks, this.#size);
    const wire = this.#wireChunks === undefined ? bytes : Buffer.concat(this.#wireChunks, this.#wireSize);
    this.#finish({ bytes, wire });
  };

  readonly #onAbort = (): void => this.#finish(INCOMPLETE);

  readonly #onClose = (): void => {
    if (!this.#req.complete) this.#finish(INCOMPLETE);
  };

  #finish(outcome: BodyBytes | Denial): void {
    if (this.#done) return;
    this.#done = true;
    const req = this.#req;
    req.off('data', this.#onWire);
    req.off('end', this.#onWireEnd);
    req.off('error', this.#onAbort);
    req.off('close', this.#onClose);
    if (!req.complete) req.pause();
    this.#decoder?.destroy();
    this.#chunks.length = 0;
    this.#resolve(outcome);
  }
}
