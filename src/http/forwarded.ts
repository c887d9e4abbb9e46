import { BlockList, isIP } from 'node:net';

/** The peers whose forwarding headers are believed. */
export interface TrustedProxies {
  readonly any: boolean;
  has(address: string): boolean;
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
    const [address, prefixText] = entry.split('/', 2) as [string, string | undefined];
    const family = isIP(address);
    const prefix = prefixText === undefined ? (family === 6 ? 128 : 32) : Number(prefixText);
    const max = family === 6 ? 128 : 32;
    if (family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > max) {
      invalid.push(index);
      return;
    }
    list.addSubnet(address, prefix, family === 6 ? 'ipv6' : 'ipv4');
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
