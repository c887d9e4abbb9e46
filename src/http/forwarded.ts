import { BlockList, isIP } from 'node:net';

/** The peers whose forwarding headers are believed. */
export interface TrustedProxies {
  readonly any: boolean;
  has(address: string): boolean;
}

/** An address or CIDR block (`10.0.0.0/8`, `::1`), or undefined when it is neither. */
export function parseCidr(
  entry: string,
): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | undefined {
  const [address, prefixText] = entry.split('/', 2) as [string, string | undefined];
  const family = isIP(address);
  const max = family === 6 ? 128 : 32;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (family === 0 || !/^\d{1,3}$/.test(prefixText ?? '0') || prefix > max) return undefined;
  return { address, prefix, family: family === 6 ? 'ipv6' : 'ipv4' };
}

/**
 * Compiles `trustedProxies` entries (addresses or CIDRs, IPv4 or IPv6); returns the
 * entries that are not valid as `invalid` so the loader can point at them.
 */
export function compileTrustedProxies(entries: readonly string[]): {
  proxies: TrustedProxies;
  invalid: number[];
} {
  const list = new BlockList();
  const invalid: number[] = [];
  entries.forEach((entry, index) => {
    const cidr = parseCidr(entry);
    if (cidr === undefined) invalid.push(index);
    else list.addSubnet(cidr.address, cidr.prefix, cidr.family);
  });
  const any = entries.length > invalid.length;
  return {
    proxies: {
      any,
      has: (address) => any && list.check(unmapped(address), isIP(unmapped(address)) === 6 ? 'ipv6' : 'ipv4'),
    },
    invalid,
  };
}

/**
 * The client's address: the peer itself, or, when the peer is a trusted proxy, the
 * right-most address in `X-Forwarded-For` that is not itself a trusted proxy.
 */
export function clientAddress(
  peer: string,
  forwardedFor: string | undefined,
  trusted: TrustedProxies,
): string {
  if (!trusted.any || forwardedFor === undefined || !trusted.has(peer)) return unmapped(peer);
  const hops = forwardedFor.split(',');
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!.trim();
    if (isIP(hop) === 0) return unmapped(peer);
    if (!trusted.has(hop)) return hop;
  }
  return hops[0]!.trim();
}

/** `::ffff:10.0.0.1` (IPv4 on a dual-stack socket) as `10.0.0.1`. */
export function unmapped(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/** A `Forwarded` node value (RFC 7239 §6): IPv6 is bracketed and quoted. */
export function forwardedNode(address: string): string {
  return isIP(address) === 6 ? `"[${address}]"` : address;
}
