import type { AuditLog } from '../audit/log.ts';
import type { PartnerStatusStore, RevocationStore } from './lifecycle-types.ts';
import type { AssertionReplayStore, ClientStore, SigningKeyStore } from './token-types.ts';

/** An issued API key as stored: never the key itself, only its SHA-256. */
export interface ApiKeyRecord {
  readonly id: string;
  readonly partner: string;
  readonly application: string;
  readonly sha256: string;
  readonly label: string | undefined;
  readonly createdAt: number;
  readonly expiresAt: number | undefined;
  readonly revokedAt: number | undefined;
}

/**
 * API keys. `find` is on the request path and is synchronous: the embedded store answers
 * from SQLite (so a revocation by another process is seen on the next request); a cluster
 * store answers from a replica kept current by change notifications.
 */
export interface ApiKeyStore {
  insert(record: ApiKeyRecord): void;
  find(id: string): ApiKeyRecord | undefined;
  list(filter?: { partner?: string | undefined }): ApiKeyRecord[];
  /** Marks a key revoked; false when no such key exists or it was already revoked. */
  revoke(id: string, at: number): boolean;
}

/** Every piece of state behind one handle, opened once per process. */
export interface Stores {
  readonly apiKeys: ApiKeyStore;
  /** The tamper-evident audit log; producers `append`, the request path `submit`s and waits. */
  readonly audit: AuditLog;
  /** Partners' lifecycle status (suspended, decommissioned), checked on every request. */
  readonly partners: PartnerStatusStore;
  /** Access tokens revoked before their expiry. */
  readonly revocations: RevocationStore;
  /** OAuth2 clients of the built-in token service. */
  readonly clients: ClientStore;
  /** The token service's signing keys, sealed. */
  readonly signingKeys: SigningKeyStore;
  /** Client assertion ids already used (`private_key_jwt` replay protection). */
  readonly assertionReplay: AssertionReplayStore;
  /** Writes what the audit log still holds, then releases every store. */
  close(): Promise<void>;
}
