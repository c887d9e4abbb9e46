import type { Dispatcher } from 'undici';
import { Pool } from 'undici';
import { hasRequestBody, inviteBody } from '../../http/body.ts';
import type { Exchange } from '../exchange.ts';
import type { Denial, Responder } from '../stage.ts';
import { BufferingHandler } from './buffered-response.ts';
import type { UpstreamPlan } from './config.ts';
import { type RequestHeaderRules, upstreamRequestHeaders } from './request-headers.ts';
import { clientResponseHeaders } from './response-headers.ts';
import { upstreamFailure } from './upstream-errors.ts';

/** Keep-alive a little under Node's default 5 s server timeout, so we close first. */
const KEEP_ALIVE_MS = 4000;

interface Upstream {
  readonly plan: UpstreamPlan;
  readonly pool: Pool;
}

export interface Forwarder {
  readonly respond: Responder;
  /** Closes every connection pool once their requests are done. */
  close(): Promise<void>;
}

/**
 * Streams the request to the API's upstream and the answer back, with a connection pool
 * per API. Failures before the answer starts become 502/504 problems through `reject`;
 * after it starts, the client connection is cut (a truncated answer must not look whole).
 */
export function createForwarder(
  upstreams: ReadonlyMap<string, UpstreamPlan>,
  rules: RequestHeaderRules,
  reject: (ex: Exchange, denial: Denial) => void,
): Forwarder {
  const byApi = new Map<string, Upstream>();
  for (const plan of upstreams.values()) {
    const c = plan.config;
    const pool = new Pool(plan.origin, {
      connections: c.connections,
      pipelining: 1,
      connect: { timeout: c.connectTimeoutMs },
      headersTimeout: c.responseTimeoutMs,
      bodyTimeout: c.bodyTimeoutMs,
      keepAliveTimeout: KEEP_ALIVE_MS,
    });
    byApi.set(plan.api, { plan, pool });
  }

  function respond(ex: Exchange): void {
    const upstream = byApi.get(ex.route!.target.api)!;
    const target = ex.target!;
    const plan = upstream.plan;
    const suffix = plan.gatewayBasePath === '' ? target.path : target.path.slice(plan.gatewayBasePath.length);
    const path = plan.basePath + suffix + (target.query === '' ? '' : `?${target.query}`);
    const req = ex.req;
    const responsePlan = ex.responsePlan;
    const body = ex.body ?? (hasRequestBody(req) ? req : null);
    if (body === req) inviteBody(req, ex.res);
    upstream.pool.dispatch(
      {
        path,
        method: req.method!,
        headers: upstreamRequestHeaders(ex, rules),
        // A body the inspect stage read is sent as checked; any other streams through.
        body,
      },
      responsePlan === undefined
        ? new ProxyHandler(ex, reject)
        : new BufferingHandler(ex, responsePlan, reject),
    );
  }

  return {
    respond,
    close: async () => {
      await Promise.all([...byApi.values()].map((u) => u.pool.close()));
    },
  };
}

class ProxyHandler implements Dispatcher.DispatchHandler {
  readonly #ex: Exchange;
  readonly #reject: (ex: Exchange, denial: Denial) => void;

  constructor(ex: Exchange, reject: (ex: Exchange, denial: Denial) => void) {
    this.#ex = ex;
    this.#reject = reject;
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#ex.abortUpstream = (reason) => controller.abort(reason);
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    if (statusCode < 200) return;
    const ex = this.#ex;
    ex.upstreamStatus = statusCode;
    ex.res.writeHead(statusCode, clientResponseHeaders(headers, ex.id, ex.responseHeaders));
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const res = this.#ex.res;
    if (!res.write(chunk)) {
      controller.pause();
      res.once('drain', () => controller.resume());
    }
  }

  onResponseEnd(): void {
    this.#ex.abortUpstream = undefined;
    this.#ex.res.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    const ex = this.#ex;
    ex.abortUpstream = undefined;
    if (ex.res.destroyed) return;
    if (ex.res.headersSent) {
      ex.res.destroy(error);
      return;
    }
    const denial = upstreamFailure(error);
    ex.denial = denial;
    this.#reject(ex, denial);
  }
}
