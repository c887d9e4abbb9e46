import type { ProblemCode } from '../../http/problem-codes.ts';

/** Error codes of RFC 6749 §5.2 and RFC 8707 §2 that the token service answers. Each is also a problem code. */
export type OAuthErrorCode = Extract<
  ProblemCode,
  | 'invalid_request'
  | 'invalid_client'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'invalid_target'
>;

/** A refusal of the token service: `description` goes to the client, `reason` only to logs and audit. */
export interface OAuthError {
  readonly error: OAuthErrorCode;
  /** A fixed, client-safe sentence; never a request value or a secret. */
  readonly description: string;
  readonly reason: string;
}

export function oauthError(
  error: OAuthErrorCode,
  description: string,
  reason: string = description,
): OAuthError {
  return { error, description, reason };
}

export function isOAuthError(value: object): value is OAuthError {
  return 'error' in value && 'description' in value;
}
