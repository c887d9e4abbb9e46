/** How the caller proved who it is. Later authenticators add their kinds. */
export type CredentialKind = 'api_key';

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
  /** The end user the call is made for, when the credential names one (a token's subject). */
  readonly user?: string | undefined;
}
