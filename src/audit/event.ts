/**
 * One entry of the audit trail. Versioned: fields are added, never changed in meaning.
 * Never carries a secret, a token, or a payload value.
 */
export interface AuditEventV1 {
  readonly v: 1;
  readonly kind: 'decision' | 'credential' | 'admin' | 'config';
  /** What happened, dotted: `api_key.issued`, `api_key.revoked`, `plan.applied`, `request.denied`. */
  readonly action: string;
  /** Epoch milliseconds. */
  readonly at: number;
  /** Who acted: `cli:<os user>`, `gateway`, `partner:<id>`, `admin:<id>`, `anonymous`. */
  readonly actor: string;
  readonly partner?: string | undefined;
  /** What was acted on: a credential id, a plan version, an operation. */
  readonly subject?: string | undefined;
  readonly decisionId?: string | undefined;
  readonly details?: Readonly<Record<string, string | number | boolean | null>> | undefined;
  /** The plan version in force when the event happened. */
  readonly plan?: string | undefined;
  /** The outcome of a request (kind `decision` and admin requests). */
  readonly request?: RequestOutcome | undefined;
  /**
   * Paths of fields left out of this event because they could carry a secret or a value
   * the audit log must not keep (e.g. `request.requestDigest` when the header was not a
   * well-formed digest).
   */
  readonly redacted?: readonly string[] | undefined;
}

/** What the gateway decided about one request, and the answer it gave. */
export interface RequestOutcome {
  readonly outcome: 'allow' | 'deny';
  readonly method: string;
  /** `api.operationId`, or the gateway endpoint's path, when routing found one. */
  readonly operation?: string | undefined;
  readonly application?: string | undefined;
  /** The end user the call was made for, when the credential names one. */
  readonly user?: string | undefined;
  /** The credential's public id (never the credential). */
  readonly credential?: string | undefined;
  /** The HTTP status of the answer. */
  readonly status: number;
  /** Milliseconds from arrival to the start of the answer. */
  readonly latencyMs: number;
  /** The stage that denied, for a denial. */
  readonly stage?: string | undefined;
  readonly code?: string | undefined;
  /** Operator-facing reason of a denial. */
  readonly reason?: string | undefined;
  /** Ids of the policies that determined an authorisation decision, when there are any. */
  readonly policies?: readonly string[] | undefined;
  /** Denials that non-enforcing stages would have returned. */
  readonly shadow?: readonly { readonly stage: string; readonly code: string }[] | undefined;
  readonly upstreamStatus?: number | undefined;
  /** RFC 9530 digests the request and the response carried (`Content-Digest`). */
  readonly requestDigest?: string | undefined;
  readonly responseDigest?: string | undefined;
  readonly client: string;
  readonly traceId?: string | undefined;
}

/** Where audit events go. Appending never throws for a well-formed event. */
export interface AuditSink {
  append(event: AuditEventV1): void;
}

/** An audit sink that can also be read back, newest last. */
export interface AuditStore extends AuditSink {
  recent(limit: number): AuditEventV1[];
}
