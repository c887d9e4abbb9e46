import { type Rejection, reject } from './canonical-target.ts';

export interface HeaderRules {
  readonly maxHeaderCount: number;
  /** Lower-case names that must appear at most once (credentials and the like). */
  readonly singletons: ReadonlySet<string>;
}

/** The facts read from the raw header list that later code relies on. */
export interface HeaderFacts {
  /** Lower-cased Host value. */
  readonly host: string;
}

const TOO_MANY = reject('headers_too_large', 'Too many header fields.');
const HOST_MISSING = reject('host_missing', 'The Host header is required.');
const HOST_REPEATED = reject('host_repeated', 'The Host header must appear exactly once.');
const HOST_INVALID = reject('header_invalid', 'The Host header is not a valid authority.');
const CL_REPEATED = reject('framing_invalid', 'Content-Length must appear at most once.');
const TE_REPEATED = reject('framing_invalid', 'Transfer-Encoding must appear at most once.');
const TE_AND_CL = reject('framing_invalid', 'Content-Length and Transfer-Encoding must not both be present.');
const TE_NOT_CHUNKED = reject('framing_invalid', 'Only "Transfer-Encoding: chunked" is accepted.');
const EXPECT_REPEATED = reject('header_repeated', 'The Expect header must appear at most once.');
const EXPECT_UNSUPPORTED = reject('expectation_unsupported', 'Only "Expect: 100-continue" is supported.');

/**
 * Reads `rawHeaders`, not `headers`: Node keeps the first of a repeated header and drops
 * the rest, which would hide exactly the ambiguity an attacker relies on.
 */
export function inspectRawHeaders(raw: readonly string[], rules: HeaderRules): HeaderFacts | Rejection {
  if (raw.length > rules.maxHeaderCount * 2) return TOO_MANY;
  let host: string | undefined;
  let contentLengths = 0;
  let transferEncoding: string | undefined;
  let expect: string | undefined;
  // Few names are singletons, so a short list beats building a set for every request.
  let seen: string[] | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    switch (name) {
      case 'host':
        if (host !== undefined) return HOST_REPEATED;
        host = raw[i + 1]!;
        break;
      case 'content-length':
        if (++contentLengths > 1) return CL_REPEATED;
        break;
      case 'transfer-encoding':
        if (transferEncoding !== undefined) return TE_REPEATED;
        transferEncoding = raw[i + 1]!;
        break;
      case 'expect':
        // Node acts on the first Expect only; a second one is an ambiguity, never honoured.
        if (expect !== undefined) return EXPECT_REPEATED;
        expect = raw[i + 1]!;
        if (expect.trim().toLowerCase() !== '100-continue') return EXPECT_UNSUPPORTED;
        break;
      default:
        if (rules.singletons.has(name)) {
          seen ??= [];
          if (seen.includes(name))
            return reject('header_repeated', `The ${name} header must appear at most once.`);
          seen.push(name);
        }
    }
  }
  if (transferEncoding !== undefined) {
    if (contentLengths > 0) return TE_AND_CL;
    if (transferEncoding.trim().toLowerCase() !== 'chunked') return TE_NOT_CHUNKED;
  }
  if (host === undefined) return HOST_MISSING;
  const normalised = normaliseHost(host);
  return normalised === undefined ? HOST_INVALID : { host: normalised };
}

const HOSTNAME =
  /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*(?::\d{1,5})?$/;
const IPV6_AUTHORITY = /^\[[0-9a-f:.]+\](?::\d{1,5})?$/;

/** Lower-cases and syntax-checks an authority (`host[:port]`); undefined when invalid. */
export function normaliseHost(value: string): string | undefined {
  const host = value.toLowerCase();
  if (host.length === 0 || host.length > 261) return undefined;
  return HOSTNAME.test(host) || IPV6_AUTHORITY.test(host) ? host : undefined;
}
