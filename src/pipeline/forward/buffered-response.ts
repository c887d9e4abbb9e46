import type { Dispatcher } from 'undici';
import type { Exchange } from '../exchange.ts';
import { contentDigest } from '../inspect/digest.ts';
import { checkResponse } from '../inspect/response.ts';
import type { ResponsePlan } from '../inspect/rules.ts';
import { summarise } from '../inspect/violations.ts';
import { type Denial, deny } from '../stage.ts';
import { clientResponseHeaders } from './response-headers.ts';
import { upstreamFailure } from './upstream-errors.ts';

/** Answers that never carry content, so never a Content-Length of ours (RFC 9110 §8.6). */
const NO_CONTENT = new Set([204, 304]);

/** Our own abort when the answer outgrows the limit, told apart from upstream failures. */
class ResponseTooLarge extends Error {}

function invalid(reason: string): Denial {
  return deny(
    'response_invalid',
    'The upstream service gave an answer that does not match its description.',
    {
      reason,
    },
  );
}

/**
 * Receives the upstream answer whole (up to the plan's limit) before the partner sees any
 * of it, so it can be checked against the OpenAPI responses and digested. An answer that
 * does not match becomes a 502: the upstream's fault, not the partner's.
 */
export class BufferingHandler implements Dispatcher.DispatchHandler {
  readonly #ex: Exchange;
  readonly #plan: ResponsePlan;
  readonly #reject: (ex: Exchange, denial: Denial) => void;
  readonly #chunks: Buffer[] = [];
  #size = 0;
  #status = 0;
  #headers: Record<string, string | string[] | undefined> = {};

  constructor(ex: Exchange, plan: ResponsePlan, reject: (ex: Exchange, denial: Denial) => void) {
    this.#ex = ex;
    this.#plan = plan;
    this.#reject = reject;
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#ex.abortUpstream = (reason) => controller.abort(reason);
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    if (statusCode < 200) return;
    this.#status = statusCode;
    this.#headers = headers;
    this.#ex.upstreamStatus = statusCode;
    if (Number(headers['content-length'] ?? 0) > this.#plan.maxBytes)
      controller.abort(new ResponseTooLarge());
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#size += chunk.length;
    if (this.#size > this.#plan.maxBytes) {
      controller.abort(new ResponseTooLarge());
      return;
    }
    this.#chunks.push(chunk);
  }

  onResponseEnd(): void {
    const ex = this.#ex;
    ex.abortUpstream = undefined;
    if (ex.res.destroyed) return;
    const body = Buffer.concat(this.#chunks, this.#size);
    const plan = this.#plan;
    if (plan.validate) {
      const violations = checkResponse(plan, this.#status, this.#headers, body);
      if (violations.length > 0) {
        this.#fail(invalid(`answer ${this.#status} of ${plan.label}: ${summarise(violations)}`));
        return;
      }
    }
    const headers = clientResponseHeaders(this.#headers, ex.id);
    // A HEAD answer keeps the upstream's length: it describes the GET.
    if (ex.req.method !== 'HEAD' && !NO_CONTENT.has(this.#status))
      headers['content-length'] = String(body.length);
    if (plan.digest !== undefined) {
      ex.responseDigest = contentDigest(plan.digest, body);
      headers['content-digest'] = ex.responseDigest;
    }
    ex.res.writeHead(this.#status, headers);
    ex.res.end(body);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    const ex = this.#ex;
    ex.abortUpstream = undefined;
    if (ex.res.destroyed || ex.res.headersSent) return;
    this.#fail(
      error instanceof ResponseTooLarge
        ? invalid(`answer of ${this.#plan.label} larger than ${this.#plan.maxBytes} bytes`)
        : upstreamFailure(error),
    );
  }

  #fail(denial: Denial): void {
    this.#ex.denial = denial;
    this.#reject(this.#ex, denial);
  }
}
