import type { OutgoingHttpHeaders } from 'node:http';
import type { AuditEventV1, RequestOutcome } from '../../audit/event.ts';
import type { Exchange } from '../exchange.ts';

/** RFC 9530 digest fields: a dictionary of `algorithm=:base64:` members, bounded in size. */
const DIGEST_FIELD =
  /^[a-z][a-z0-9-]{0,31}=:[A-Za-z0-9+/]{1,172}={0,2}:(\s*,\s*[a-z][a-z0-9-]{0,31}=:[A-Za-z0-9+/]{1,172}={0,2}:){0,3}$/;

/** A digest field value when well-formed; `false` when present but not a digest (so not kept). */
function digestOf(value: unknown): string | false | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' && DIGEST_FIELD.test(value) ? value : false;
}

/**
 * The audit event of one request decision: who, what, the verdict and the answer's status,
 * from what the stages recorded on the exchange. Never a header value, a path parameter,
 * a query or a body: only the operation, identifiers and digests (hashes).
 * `status` 0 means the client went away before any answer.
 */
export function decisionEvent(
  ex: Exchange,
  status: number,
  responseHeaders: OutgoingHttpHeaders | undefined,
): AuditEventV1 {
  const denial = ex.denial;
  const identity = ex.identity;
  const partner = identity?.partner;
  const operation =
    ex.route !== undefined ? `${ex.route.target.api}.${ex.route.target.operation.id}` : ex.local?.path;
  // The gateway's own digests (of the inspected body, of a response it digested) before
  // whatever the client or upstream claimed.
  const requestDigest = digestOf(ex.contentDigest ?? ex.req.headers['content-digest']);
  const responseDigest = digestOf(
    ex.responseDigest ?? responseHeaders?.['content-digest'] ?? ex.res.getHeader('content-digest'),
  );
  const redacted: string[] = [];
  if (requestDigest === false) redacted.push('request.requestDigest');
  if (responseDigest === false) redacted.push('request.responseDigest');
  const request: RequestOutcome = {
    outcome: denial === undefined ? 'allow' : 'deny',
    method: ex.req.method ?? '',
    operation,
    application: identity?.application,
    user: identity?.user,
    credential: identity?.credential.id,
    status,
    latencyMs: Math.round((performance.now() - ex.startedAt) * 1000) / 1000,
    stage: denial === undefined ? undefined : ex.stage,
    code: denial?.code,
    reason: denial?.reason,
    policies: ex.authorization?.policies,
    shadow: ex.shadowDenials?.map((s) => ({ stage: s.stage, code: s.code })),
    upstreamStatus: ex.upstreamStatus,
    requestDigest: requestDigest === false ? undefined : requestDigest,
    responseDigest: responseDigest === false ? undefined : responseDigest,
    client: ex.clientAddress,
    traceId: ex.trace?.traceId,
  };
  return {
    v: 1,
    kind: 'decision',
    action: denial === undefined ? 'request.allowed' : 'request.denied',
    at: ex.receivedAt,
    actor: partner === undefined ? 'anonymous' : `partner:${partner}`,
    partner,
    subject: operation,
    decisionId: ex.id,
    plan: ex.planVersion,
    request,
    redacted: redacted.length === 0 ? undefined : redacted,
  };
}
