import { forwardedNode, type TrustedProxies, unmapped } from '../../http/forwarded.ts';
import { traceparentOf } from '../../http/trace-context.ts';
import type { Exchange } from '../exchange.ts';

/** Never forwarded: hop-by-hop (RFC 9110 §7.6.1) and framing the client set for us. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'expect',
]);

/** Rebuilt by the gateway; believed from the client only when the peer is a trusted proxy. */
const FORWARDING = new Set([
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-real-ip',
]);

/** Set by the gateway alone. */
const GATEWAY_OWNED = new Set(['x-request-id', 'traceparent', 'tracestate']);

export const IDENTITY_HEADER_PREFIX = 'x-portcullis-';

export interface RequestHeaderRules {
  /** Lower-case names of headers that carry the caller's credentials: never sent upstream. */
  readonly credentials: ReadonlySet<string>;
  readonly trusted: TrustedProxies;
  /** `http` or `https`: the scheme the client used. */
  readonly proto: string;
}

/**
 * The header list sent upstream, as a flat `[name, value, ...]` array built from
 * `rawHeaders` so repeated end-to-end headers survive. Callers' credentials and any
 * `x-portcullis-*` header are dropped (the upstream must be able to trust those), the
 * inspect stage's edits applied (a body sent from memory gets its own length and digest),
 * and the gateway's identity, request id, trace context and forwarding headers are added.
 */
export function upstreamRequestHeaders(ex: Exchange, rules: RequestHeaderRules): string[] {
  const raw = ex.req.rawHeaders;
  const listed = connectionTokens(ex.req.headers.connection);
  const edits = ex.upstreamHeaderEdits;
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (
      HOP_BY_HOP.has(name) ||
      FORWARDING.has(name) ||
      GATEWAY_OWNED.has(name) ||
      rules.credentials.has(name) ||
      name.startsWith(IDENTITY_HEADER_PREFIX) ||
      listed?.has(name) === true ||
      edits?.drop.has(name) === true
    ) {
      continue;
    }
    out.push(raw[i]!, raw[i + 1]!);
  }

  if (edits !== undefined) out.push(...edits.add);
  const headers = ex.req.headers;
  const peer = unmapped(ex.peerAddress);
  const trustedPeer = rules.trusted.any && rules.trusted.has(peer);
  const xff = trustedPeer ? headers['x-forwarded-for'] : undefined;
  const forwarded = trustedPeer ? headers.forwarded : undefined;
  const proto =
    (trustedPeer ? (headers['x-forwarded-proto'] as string | undefined) : undefined) ?? rules.proto;
  const host = (trustedPeer ? (headers['x-forwarded-host'] as string | undefined) : undefined) ?? ex.host;
  const node = `for=${forwardedNode(peer)};host="${ex.host}";proto=${rules.proto}`;
  out.push(
    'forwarded',
    forwarded === undefined ? node : `${forwarded}, ${node}`,
    'x-forwarded-for',
    xff === undefined ? peer : `${xff}, ${peer}`,
    'x-forwarded-host',
    host,
    'x-forwarded-proto',
    proto,
    'x-request-id',
    ex.id,
  );
  const trace = ex.trace;
  if (trace !== undefined) {
    out.push('traceparent', traceparentOf(trace));
    if (trace.state !== undefined) out.push('tracestate', trace.state);
  }
  const identity = ex.identity;
  if (identity !== undefined) {
    out.push('x-portcullis-partner', identity.partner, 'x-portcullis-application', identity.application);
    // The end user a delegated token acts for, kept apart from the application. It comes
    // from the token, so it is percent-encoded: any character may be in it.
    if (identity.user !== undefined) out.push('x-portcullis-user', encodeURIComponent(identity.user));
  }
  return out;
}

/** Header names listed in `Connection` (RFC 9110 §7.6.1), lower-cased. */
export function connectionTokens(value: string | string[] | undefined): Set<string> | undefined {
  if (value === undefined) return undefined;
  const text = Array.isArray(value) ? value.join(',') : value;
  // Most answers say only `keep-alive` or `close`: no set is built for those.
  let tokens: Set<string> | undefined;
  for (const token of text.split(',')) {
    const t = token.trim().toLowerCase();
    if (t === '' || t === 'close' || t === 'keep-alive') continue;
    tokens ??= new Set();
    tokens.add(t);
  }
  return tokens;
}
