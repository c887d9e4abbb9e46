import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CanonicalTarget } from '../http/canonical-target.ts';
import { unmapped } from '../http/forwarded.ts';
import type { TraceContext } from '../http/trace-context.ts';
import type { Identity } from './identity.ts';
import type { LocalEndpoint } from './local/endpoint.ts';
import type { RouteMatch } from './route/router.ts';
import type { Denial } from './stage.ts';

/** A denial that a non-enforcing stage would have returned. */
export interface ShadowDenial {
  readonly stage: string;
  readonly code: Denial['code'];
  readonly reason?: string | undefined;
}

/**
 * One request on its way through the pipeline. Stages read what earlier stages set
 * (`route` after routing, `identity` after authentication) and add their own findings.
 */
export class Exchange {
  /** Decision id: names this request in problems, logs, the audit trail and `x-request-id`. */
  readonly id: string;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** `performance.now()` at arrival, for latency. */
  readonly startedAt: number;
  /** Epoch milliseconds at arrival, from the injected clock. */
  readonly receivedAt: number;
  readonly planVersion: string;
  /** Address of the TCP peer (a proxy when there is one). */
  readonly peerAddress: string;
  /** The client's address: the peer, or what a trusted proxy reported. */
  clientAddress: string;
  host = '';
  target: CanonicalTarget | undefined;
  /** The API operation, when the request is for an upstream API. */
  route: RouteMatch | undefined;
  /** The gateway's own endpoint, when the request is for one (then `route` is undefined). */
  local: LocalEndpoint | undefined;
  identity: Identity | undefined;
  trace: TraceContext | undefined;
  /** Name of the stage running now, or the one that denied. */
  stage = '';
  denial: Denial | undefined;
  shadowDenials: ShadowDenial[] | undefined;
  /**
   * `[stage, performance.now() at its start, ...]` in the order the stages ran, `forward`
   * last; a stage ends where the next begins, and the last one when the response closes.
   * Recorders turn these into latency histograms and trace spans after the response.
   */
  readonly marks: (string | number)[] = [];
  /** Ids of the policies that determined the authorisation decision, when policies decided it. */
  policies: readonly string[] | undefined;
  /** Status the upstream answered, when it answered. */
  upstreamStatus: number | undefined;
  /** Set by the forwarder while an upstream request is open; called if the client goes away. */
  abortUpstream: ((reason: Error) => void) | undefined;

  constructor(
    id: string,
    req: IncomingMessage,
    res: ServerResponse,
    receivedAt: number,
    planVersion: string,
  ) {
    this.id = id;
    this.req = req;
    this.res = res;
    this.startedAt = performance.now();
    this.receivedAt = receivedAt;
    this.planVersion = planVersion;
    this.peerAddress = unmapped(req.socket.remoteAddress ?? '');
    this.clientAddress = this.peerAddress;
  }
}
