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
  // route
  route_not_found: { status: 404, title: 'No such route', stage: 'route' },
  method_not_allowed: { status: 405, title: 'Method not allowed on this route', stage: 'route' },
  // authenticate
  credential_missing: { status: 401, title: 'Credential missing', stage: 'authenticate' },
  credential_invalid: { status: 401, title: 'Credential invalid', stage: 'authenticate' },
  // authorize
  operation_not_granted: { status: 403, title: 'Operation not granted', stage: 'authorize' },
  insufficient_scope: { status: 403, title: 'Insufficient scope', stage: 'authorize' },
  // forward
  upstream_timeout: { status: 504, title: 'Upstream timed out', stage: 'forward' },
  upstream_unavailable: { status: 502, title: 'Upstream unavailable', stage: 'forward' },
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
