/** How the caller proved who it is. Later authenticators add their kinds. */
export type CredentialKind = 'api_key';

/** The client certificate a caller presented over mutual TLS, as far as policies see it. */
export interface CertificateIdentity {
  /** SHA-256 of the DER certificate, lower-case hex. */
  readonly fingerprint: string;
  readonly subject: string;
  /** The SPIFFE ID in the certificate's URI SAN, when it has one. */
  readonly spiffeId?: string | undefined;
}

/**
 * The authenticated caller, as every later stage and the audit log see it. The partner
 * (organisation) and its application (client) are kept apart from any end user.
 */
export interface Identity {
  readonly partner: string;
  readonly application: string;
  readonly credential: { readonly kind: CredentialKind; readonly id: string };
  /**
   * Scopes the credential is limited to (an access token's `scope`). Undefined for a
   * credential that is limited by the contract alone (an API key).
   */
  readonly scopes?: ReadonlySet<string> | undefined;
  /** The mTLS client certificate, when the connection presented one (authorisation reads it). */
  readonly certificate?: CertificateIdentity | undefined;
}
