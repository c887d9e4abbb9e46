import type { KeyObject } from 'node:crypto';
import type { CryptoKey, JWSHeaderParameters } from 'jose';

/** The outcome of looking up the key that should have signed a token. */
export type KeyLookup =
  | { readonly key: KeyObject | CryptoKey }
  | { readonly missing: string }
  | { readonly unavailable: string };

export type KeyStatus = 'published' | 'removed' | 'unavailable';

/** Where one issuer's public keys come from: the built-in key ring, or a remote JWKS. */
export interface IssuerKeys {
  /** The key for a token's header (`kid` is a lookup key, never a path or URL). */
  lookup(header: JWSHeaderParameters): KeyLookup | Promise<KeyLookup>;
  /**
   * Whether the key `kid` is still published (a token it signed may still be accepted),
   * was removed, or cannot be known now (the issuer's keys are unavailable).
   */
  status(kid: string | undefined): KeyStatus;
}
