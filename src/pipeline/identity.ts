/**
 * How the caller proved who it is. `client_secret` and `client_assertion` are OAuth2
 * clients authenticating to the token service itself. Later authenticators add their kinds.
 */
export type CredentialKind = 'api_key' | 'access_token' | 'client_secret' | 'client_assertion';

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
  readonly credential: {
    readonly kind: CredentialKind;
    /** The API key id, the access token's `jti`, or the OAuth2 client id. */
    readonly id: string;
    /** Who issued an access token: `portcullis` (the built-in service) or an issuer's name. */
    readonly issuer?: string | undefined;
  };
  /**
   * Scopes the credential is limited to (an access token's `scope`). Undefined for a
   * credential that is limited by the contract alone (an API key).
   */
  readonly scopes?: ReadonlySet<string> | undefined;
  /** The end user the application acts for: the token's `sub` when it names someone other than the client. */
  readonly user?: string | undefined;
  /** Delegation (RFC 8693 `act`): the actors that presented the token on the subject's behalf, most recent first. */
  readonly actors?: readonly string[] | undefined;
  /** The mTLS client certificate, when the connection presented one (authorisation reads it). */
  readonly certificate?: CertificateIdentity | undefined;
}
