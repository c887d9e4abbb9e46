/**
 * One entry of the audit trail. Versioned: fields are added, never changed in meaning.
 * Never carries a secret, a token, or a payload value.
 */
export interface AuditEventV1 {
  readonly v: 1;
  readonly kind: 'decision' | 'credential' | 'admin' | 'config';
  /** What happened, dotted: `api_key.issued`, `api_key.revoked`, `plan.applied`. */
  readonly action: string;
  /** Epoch milliseconds. */
  readonly at: number;
  /** Who acted: `cli:<os user>`, `gateway`, `partner:<id>`, `admin:<id>`. */
  readonly actor: string;
  readonly partner?: string | undefined;
  /** What was acted on: a credential id, a plan version. */
  readonly subject?: string | undefined;
  readonly decisionId?: string | undefined;
  readonly details?: Readonly<Record<string, string | number | boolean | null>> | undefined;
}

/** Where audit events go. Appending never throws for a well-formed event. */
export interface AuditSink {
  append(event: AuditEventV1): void;
}

/** An audit sink that can also be read back, newest last. */
export interface AuditStore extends AuditSink {
  recent(limit: number): AuditEventV1[];
}
