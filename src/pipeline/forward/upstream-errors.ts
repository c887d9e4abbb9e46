import { type Denial, deny } from '../stage.ts';

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);

/**
 * The partner-facing answer to a failed upstream call. The reason names the error code
 * for the audit trail; the upstream's address never reaches the partner.
 */
export function upstreamFailure(error: unknown): Denial {
  const code = (error as { code?: unknown } | null)?.code;
  const reason = `upstream error ${typeof code === 'string' ? code : 'unknown'}`;
  if (typeof code === 'string' && TIMEOUT_CODES.has(code)) {
    return deny('upstream_timeout', 'The upstream service did not answer in time.', { reason });
  }
  return deny('upstream_unavailable', 'The upstream service could not be reached.', { reason });
}
