import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CanonicalTarget } from '../http/canonical-target.ts';
import { unmapped } from '../http/forwarded.ts';
import type { TraceContext } from '../http/trace-context.ts';
import type { AuthorizationRecord } from './authorize/outcome.ts';
import type { Identity } from './identity.ts';
import { contentDigest } from './inspect/digest.ts';
import type { ResponsePlan } from './inspect/rules.ts';
import type { LocalEndpoint } from './local/endpoint.ts';
import type { RouteMatch } from './route/router.ts';
import type { Denial } from './stage.ts';

/** A denial that a non-enforcing stage would have returned. */
export interface ShadowDenial {
  readonly stage: string;
  readonly code: Denial['code'];
  readonly reason?: string | undefined;
}

/** Header changes the forwarder makes to the upstream request (names lower-case). */
export interface HeaderEdits {
  readonly drop: ReadonlySet<string>;
  /** `[name, value, ...]` appended after the drop. */
  readonly add: readonly string[];
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
  /** Risk of this request, an integer 0-100 from anomaly detection; policies see `context.riskScore`. */
  riskScore: number | undefined;
  /** What the authorisation policies decided and which policies determined it. */
  authorization: AuthorizationRecord | undefined;
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
  /**
   * Headers a stage adds to whatever answer this request gets, forwarded or refused (the
   * limit stage's `RateLimit-Policy` and `RateLimit`).
   */
  responseHeaders: Readonly<Record<string, string>> | undefined;
  /** Status the upstream answered, when it answered. */
  upstreamStatus: number | undefined;
  /**
   * The request body as the inspect stage read and checked it (decoded when the client's
   * content coding was removed). The forwarder sends these bytes instead of the stream, so
   * the upstream receives exactly what was inspected.
   */
  body: Buffer | undefined;
  /** Header changes that go with `body` or the response checks. */
  upstreamHeaderEdits: HeaderEdits | undefined;
  /**
   * Data classes (`x-data-class` annotations, e.g. `pii.email`) of the values present in the
   * request, set by content inspection; authorisation policies see them as `context.dataClasses`.
   */
  dataClasses: Set<string> | undefined;
  /** Malware scan of the body: `unavailable` when clamd gave no verdict (and the contract fails open). */
  scan: 'clean' | 'infected' | 'unavailable' | undefined;
  /** Set by the inspect stage when the upstream's answer must be checked or digested before it is sent. */
  responsePlan: ResponsePlan | undefined;
  /** Content-Digest of the response sent to the partner, when the gateway added one. */
  responseDigest: string | undefined;
  #contentDigest: string | undefined;
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

  /**
   * Content-Digest (`sha-256=:…:`) of the body sent upstream when the inspect stage read
   * it, for the audit trail. Computed on first use, so requests nobody audits pay nothing.
   */
  get contentDigest(): string | undefined {
    if (this.#contentDigest === undefined && this.body !== undefined)
      this.#contentDigest = contentDigest('sha-256', this.body);
    return this.#contentDigest;
  }

  /** Records a digest already computed (e.g. the one added to the upstream request). */
  set contentDigest(value: string | undefined) {
    this.#contentDigest = value;
  }
}
