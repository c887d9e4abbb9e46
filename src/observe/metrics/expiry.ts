import type { Gauge } from 'prom-client';

export type ExpiringKind = 'certificate' | 'key';

/**
 * Where other modules report when their certificates and keys expire (the CA, token
 * signing keys, the gateway's own TLS certificate), as they load or rotate them. Exported
 * as `portcullis_credential_expiry_timestamp_seconds{kind, name}`: give stable, bounded
 * names (a key id, a certificate's purpose), never one per client credential.
 */
export interface ExpiryRegistry {
  /** Records (or replaces) when `name` expires, in epoch milliseconds. */
  set(kind: ExpiringKind, name: string, expiresAt: number): void;
  /** Forgets a certificate or key that was retired. */
  delete(kind: ExpiringKind, name: string): void;
}

/** A registry that keeps nothing, when no metrics are served. */
export const NO_EXPIRY_REGISTRY: ExpiryRegistry = { set() {}, delete() {} };

export function expiryRegistry(gauge: Gauge<'kind' | 'name'>): ExpiryRegistry {
  return {
    set: (kind, name, expiresAt) => gauge.labels(kind, name).set(expiresAt / 1000),
    delete: (kind, name) => gauge.remove(kind, name),
  };
}
