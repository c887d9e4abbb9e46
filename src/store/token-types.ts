import type { JWK } from 'jose';

/**
 * An OAuth2 client of the built-in token service. It belongs to one partner and names one
 * of its applications. Secrets are kept only as SHA-256 digests (they are 256-bit random
 * values, see `services/token/client-secret.ts`); keys for `private_key_jwt` are public.
 */
export interface ClientRecord {
  readonly id: string;
  readonly partner: string;
  readonly application: string;
  readonly label: string | undefined;
  /** SHA-256 (hex) of the current secret; undefined when the client has none. */
  readonly secretSha256: string | undefined;
  /** The secret replaced by the last rotation, still accepted until `previousSecretExpiresAt`. */
  readonly previousSecretSha256: string | undefined;
  readonly previousSecretExpiresAt: number | undefined;
  /** Public keys registered for `private_key_jwt`, each with a `kid`. */
  readonly keys: readonly JWK[];
  readonly createdAt: number;
  readonly revokedAt: number | undefined;
}

/** Clients. `find` is on the request path (every bearer token names its client) and is synchronous. */
export interface ClientStore {
  insert(record: ClientRecord): void;
  find(id: string): ClientRecord | undefined;
  list(filter?: { partner?: string | undefined }): ClientRecord[];
  /** Replaces a client's secrets and keys (never its id, partner or application). */
  update(record: ClientRecord): void;
  /** Marks a client revoked; false when no such client exists or it was already revoked. */
  revoke(id: string, at: number): boolean;
}

/** Where a signing key is in its life: published first, then signing, then published until its tokens expired. */
export type SigningKeyState = 'next' | 'current' | 'previous';

/** A token-signing key pair as stored: the private key only sealed by the master key. */
export interface SigningKeyRecord {
  readonly kid: string;
  readonly alg: string;
  readonly state: SigningKeyState;
  /** The public key (JWK with `kid`, `alg`, `use`), as published in the JWKS. */
  readonly publicJwk: JWK;
  /** The private key, sealed (envelope encryption); see `services/secrets/envelope.ts`. */
  readonly sealedPrivateKey: string;
  readonly createdAt: number;
  /** When it started signing (state `current` or `previous`). */
  readonly activatedAt: number | undefined;
  /** When a `previous` key leaves the JWKS: every token it signed has expired by then. */
  readonly retireAt: number | undefined;
}

/** The token service's signing keys. Changes are atomic so that concurrent processes agree. */
export interface SigningKeyStore {
  /** Every key not yet removed, fresh across processes. */
  list(): readonly SigningKeyRecord[];
  /** Stores the first `current` and `next` keys; false (and nothing stored) when keys exist already. */
  initialize(current: SigningKeyRecord, next: SigningKeyRecord): boolean;
  /**
   * Promotes `next` to `current`, demotes `current` to `previous` until `retireAt`, and adds
   * `newNext`; false (and nothing changed) when the current key is no longer `expectedCurrent`
   * (another process rotated first).
   */
  rotate(expectedCurrent: string, newNext: SigningKeyRecord, at: number, retireAt: number): boolean;
  /** Deletes `previous` keys whose `retireAt` has passed. */
  purge(now: number): void;
}

/** `jti`s of client assertions (`private_key_jwt`) already used, kept until they expire. */
export interface AssertionReplayStore {
  /**
   * Records that `clientId` used `jti`; false when it was used before (a replay). The
   * check and the record are one atomic step for every process sharing the store.
   */
  remember(clientId: string, jti: string, expiresAt: number, now: number): boolean;
}
