/**
 * State that decides, on every request, whether an otherwise valid credential still
 * counts: a partner's lifecycle status and revoked access tokens. Reads are synchronous
 * and on the request path: the embedded store answers from a cache kept current by
 * SQLite's `data_version`; a cluster store (Redis, PostgreSQL) answers from a replica kept
 * current by change notifications (pub/sub, LISTEN/NOTIFY). Writes take effect for every
 * process sharing the store on its next request.
 */

/** `active` until suspended; `suspended` can be resumed; `decommissioned` is final. */
export type PartnerStatus = 'active' | 'suspended' | 'decommissioned';

export interface PartnerRecord {
  readonly partner: string;
  readonly status: PartnerStatus;
  /** Epoch milliseconds of the last change. */
  readonly changedAt: number;
  /** Operator's note for the last change; never shown to the partner. */
  readonly reason: string | undefined;
}

/**
 * Partners' lifecycle. Partners themselves are defined by contracts (configuration as
 * code); a partner with no record here is active.
 */
export interface PartnerStatusStore {
  get(partner: string): PartnerRecord | undefined;
  set(record: PartnerRecord): void;
  list(): PartnerRecord[];
}

/** An access token revoked before its expiry, remembered until then. */
export interface RevokedToken {
  /** The token's `jti`. */
  readonly jti: string;
  readonly partner: string;
  /** The token's `exp`, epoch milliseconds: after it the entry may be forgotten. */
  readonly expiresAt: number;
  readonly revokedAt: number;
}

export interface RevocationStore {
  /** Records a revocation; revoking an already revoked token changes nothing. */
  revoke(token: RevokedToken): void;
  /** Whether the token with this `jti` was revoked (and has not expired yet). */
  isRevoked(jti: string): boolean;
}
