import type { IncomingHttpHeaders } from 'node:http';
import { connectionTokens } from './request-headers.ts';

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * The upstream's response headers minus hop-by-hop ones, plus the gateway's request id and
 * the headers stages added (`extra`, which win over the upstream's own).
 */
export function clientResponseHeaders(
  upstream: Record<string, string | string[] | undefined>,
  requestId: string,
  extra?: Readonly<Record<string, string>>,
): IncomingHttpHeaders {
  const listed = connectionTokens(upstream.connection);
  const out: IncomingHttpHeaders = {};
  for (const name in upstream) {
    if (HOP_BY_HOP.has(name) || listed?.has(name) === true) continue;
    out[name] = upstream[name];
  }
  out['x-request-id'] = requestId;
  if (extra !== undefined) for (const name in extra) out[name] = extra[name];
  return out;
}
