import { type OutgoingHttpHeader, type OutgoingHttpHeaders, ServerResponse } from 'node:http';

/**
 * What a gate says when an answer is about to start: go on now (`undefined`), wait for the
 * promise (held until it settles), or `'refused'` when the gate has answered instead
 * through `answerInstead` (everything the original writer sends is then discarded).
 */
export type GateVerdict = Promise<void> | 'refused' | undefined;

/**
 * Consulted once per response, before its first byte, with the status and (from
 * `writeHead`) the headers about to be sent; status 0 when the response closed unanswered.
 */
export type AnswerGate = (
  res: GatedResponse,
  status: number,
  headers: OutgoingHttpHeaders | undefined,
) => GateVerdict;

type WriteCallback = (error: Error | null | undefined) => void;
type Encoding = BufferEncoding;

/**
 * A ServerResponse that lets the gateway hold an answer until something is durable (its
 * audit event), whoever writes the answer: a problem, a gateway endpoint or the
 * forwarder. The first `writeHead`, `write`, `end` or `flushHeaders` asks the gate; while
 * held, body writes and the end are queued (no byte reaches the socket; `write` returns
 * false and `drain` follows the release, so a streaming writer pauses), and a held
 * `writeHead` only stores the headers, as Node's own does, so `headersSent` stays true.
 */
export class GatedResponse extends ServerResponse {
  /** Set by the gateway for each request; cleared once consulted. */
  gate: AnswerGate | undefined;
  /** Whatever the gate needs to describe the answer (the gateway puts the exchange here). */
  subject: unknown;
  #state: 'open' | 'held' | 'refused' = 'open';
  #held: (() => void)[] = [];
  #owesDrain = false;
  /** An `end` is among the held calls: nothing written after it may be replayed. */
  #endHeld = false;

  /** Writes a whole answer, bypassing the gate; what the original writer sends afterwards is dropped. */
  answerInstead(status: number, headers: Readonly<Record<string, string | number>>, body: string): void {
    this.#state = 'refused';
    for (const name of this.getHeaderNames()) this.removeHeader(name);
    super.writeHead(status, headers);
    super.end(body);
  }

  /** Tells a gate that was never consulted that the response closed without an answer. */
  closedUnanswered(): void {
    const gate = this.gate;
    this.gate = undefined;
    gate?.(this, 0, undefined);
  }

  override writeHead(
    statusCode: number,
    reasonOrHeaders?: string | OutgoingHttpHeaders | OutgoingHttpHeader[],
    headers?: OutgoingHttpHeaders | OutgoingHttpHeader[],
  ): this {
    const headerObject = typeof reasonOrHeaders === 'string' ? headers : reasonOrHeaders;
    this.#ask(statusCode, Array.isArray(headerObject) ? undefined : headerObject);
    if (this.#state === 'refused') return this;
    if (typeof reasonOrHeaders === 'string') return super.writeHead(statusCode, reasonOrHeaders, headers);
    return super.writeHead(statusCode, reasonOrHeaders);
  }

  override flushHeaders(): void {
    this.#ask(this.statusCode, undefined);
    if (this.#state === 'held') this.#held.push(() => super.flushHeaders());
    else if (this.#state === 'open') super.flushHeaders();
  }

  override write(chunk: unknown, encoding?: Encoding | WriteCallback, callback?: WriteCallback): boolean {
    this.#ask(this.statusCode, undefined);
    if (this.#state === 'refused') return true;
    if (this.#state === 'held') {
      if (this.#endHeld) return false;
      this.#held.push(() => {
        if (typeof encoding === 'function') super.write(chunk, encoding);
        else super.write(chunk, encoding as Encoding, callback);
      });
      this.#owesDrain = true;
      return false;
    }
    if (typeof encoding === 'function') return super.write(chunk, encoding);
    return super.write(chunk, encoding as Encoding, callback);
  }

  override end(chunk?: unknown, encoding?: Encoding | (() => void), callback?: () => void): this {
    this.#ask(this.statusCode, undefined);
    if (this.#state === 'refused') return this;
    if (this.#state === 'held') {
      if (!this.#endHeld) this.#held.push(() => this.#end(chunk, encoding, callback));
      this.#endHeld = true;
      return this;
    }
    return this.#end(chunk, encoding, callback);
  }

  #end(
    chunk: unknown,
    encoding: Encoding | (() => void) | undefined,
    callback: (() => void) | undefined,
  ): this {
    if (typeof chunk === 'function') return super.end(chunk as () => void);
    if (typeof encoding === 'function') return super.end(chunk, encoding);
    if (encoding !== undefined) return super.end(chunk, encoding, callback);
    return super.end(chunk, callback);
  }

  #ask(status: number, headers: OutgoingHttpHeaders | undefined): void {
    const gate = this.gate;
    if (gate === undefined) return;
    this.gate = undefined;
    const verdict = gate(this, status, headers);
    if (verdict === 'refused') {
      this.#state = 'refused';
    } else if (verdict !== undefined) {
      this.#state = 'held';
      verdict.then(
        () => this.#release(),
        (error: unknown) => this.#abandon(error),
      );
    }
  }

  #release(): void {
    const held = this.#held;
    this.#held = [];
    this.#state = 'open';
    if (this.destroyed) return;
    for (const call of held) call();
    if (this.#owesDrain) {
      this.#owesDrain = false;
      this.emit('drain');
    }
  }

  #abandon(error: unknown): void {
    this.#held = [];
    this.destroy(error instanceof Error ? error : new Error(String(error)));
  }
}
