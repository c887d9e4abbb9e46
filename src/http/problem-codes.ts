/**
 * The one table of stable problem codes. Each code maps to its HTTP status, a short title,
 * and the pipeline stage that emits it (the audit reason). `docs/errors.md` documents every
 * code; a test keeps the two in step.
 */
export const PROBLEM_CODES = {
  // listener / canonicalisation
  request_malformed: { status: 400, title: 'Malformed request', stage: 'listener' },
  request_target_invalid: { status: 400, title: 'Request target not allowed', stage: 'listener' },
  path_not_canonical: { status: 400, title: 'Path is not in canonical form', stage: 'listener' },
  path_too_long: { status: 400, title: 'Path too long', stage: 'listener' },
  query_too_long: { status: 400, title: 'Query string too long', stage: 'listener' },
  header_invalid: { status: 400, title: 'Invalid header', stage: 'listener' },
  header_repeated: { status: 400, title: 'Header must not be repeated', stage: 'listener' },
  headers_too_large: { status: 431, title: 'Request header fields too large', stage: 'listener' },
  framing_invalid: { status: 400, title: 'Ambiguous message framing', stage: 'listener' },
  host_missing: { status: 400, title: 'Host header missing', stage: 'listener' },
  host_repeated: { status: 400, title: 'Host header repeated', stage: 'listener' },
  host_not_allowed: { status: 400, title: 'Host not served here', stage: 'listener' },
  request_timeout: { status: 408, title: 'Request timed out', stage: 'listener' },
  expectation_unsupported: { status: 417, title: 'Expectation not supported', stage: 'listener' },
  // route
  route_not_found: { status: 404, title: 'No such route', stage: 'route' },
  method_not_allowed: { status: 405, title: 'Method not allowed on this route', stage: 'route' },
  // authenticate
  credential_missing: { status: 401, title: 'Credential missing', stage: 'authenticate' },
  credential_invalid: { status: 401, title: 'Credential invalid', stage: 'authenticate' },
  partner_suspended: { status: 403, title: 'Partner suspended', stage: 'authenticate' },
  authentication_throttled: {
    status: 429,
    title: 'Too many failed authentication attempts',
    stage: 'authenticate',
  },
  issuer_unavailable: { status: 503, title: 'Token issuer unavailable', stage: 'authenticate' },
  // limit
  rate_limited: { status: 429, title: 'Rate limit exceeded', stage: 'limit' },
  quota_exceeded: { status: 429, title: 'Quota exhausted', stage: 'limit' },
  concurrency_limited: { status: 429, title: 'Too many requests in flight', stage: 'limit' },
  limits_unavailable: { status: 503, title: 'Limits unavailable', stage: 'limit' },
  // inspect
  body_too_large: { status: 413, title: 'Request body too large', stage: 'inspect' },
  media_type_unsupported: { status: 415, title: 'Unsupported media type', stage: 'inspect' },
  encoding_unsupported: { status: 415, title: 'Unsupported content encoding', stage: 'inspect' },
  body_malformed: { status: 400, title: 'Malformed request body', stage: 'inspect' },
  request_invalid: { status: 400, title: 'Request does not match the API description', stage: 'inspect' },
  digest_missing: { status: 400, title: 'Content digest required', stage: 'inspect' },
  digest_mismatch: { status: 400, title: 'Content digest mismatch', stage: 'inspect' },
  content_denied: { status: 403, title: 'Content not allowed', stage: 'inspect' },
  malware_detected: { status: 422, title: 'Malware detected', stage: 'inspect' },
  scan_unavailable: { status: 503, title: 'Content scanning unavailable', stage: 'inspect' },
  // authorize
  operation_not_granted: { status: 403, title: 'Operation not granted', stage: 'authorize' },
  insufficient_scope: { status: 403, title: 'Insufficient scope', stage: 'authorize' },
  grant_conditions_unmet: { status: 403, title: 'Grant conditions not met', stage: 'authorize' },
  operation_forbidden: { status: 403, title: 'Forbidden by policy', stage: 'authorize' },
  policy_evaluation_failed: { status: 403, title: 'Authorisation failed', stage: 'authorize' },
  // forward
  upstream_timeout: { status: 504, title: 'Upstream timed out', stage: 'forward' },
  upstream_unavailable: { status: 502, title: 'Upstream unavailable', stage: 'forward' },
  // token service: RFC 6749 §5.2 and RFC 8707 errors, answered as OAuth JSON
  invalid_request: { status: 400, title: 'Invalid token request', stage: 'token' },
  invalid_client: { status: 401, title: 'Client authentication failed', stage: 'token' },
  unauthorized_client: { status: 400, title: 'Client not authorised for this grant', stage: 'token' },
  unsupported_grant_type: { status: 400, title: 'Unsupported grant type', stage: 'token' },
  invalid_scope: { status: 400, title: 'Invalid scope', stage: 'token' },
  invalid_target: { status: 400, title: 'Invalid target', stage: 'token' },
  response_invalid: { status: 502, title: 'Upstream response invalid', stage: 'forward' },
  // audit
  audit_unavailable: { status: 503, title: 'Audit log unavailable', stage: 'audit' },
  // admin listener
  permission_denied: { status: 403, title: 'Permission denied', stage: 'admin' },
  admin_request_invalid: { status: 400, title: 'Invalid admin request', stage: 'admin' },
  audit_event_not_found: { status: 404, title: 'No such audit event or head', stage: 'admin' },
  // gateway
  internal_error: { status: 500, title: 'Internal error', stage: 'gateway' },
} as const satisfies Record<string, ProblemCodeInfo>;

export interface ProblemCodeInfo {
  readonly status: number;
  readonly title: string;
  readonly stage: string;
}

export type ProblemCode = keyof typeof PROBLEM_CODES;

export function isProblemCode(value: string): value is ProblemCode {
  return Object.hasOwn(PROBLEM_CODES, value);
}
