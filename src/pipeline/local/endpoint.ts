import type { Exchange } from '../exchange.ts';
import type { Verdict } from '../stage.ts';

/**
 * An endpoint the gateway answers itself on the public listener (health, the token
 * service, usage), matched by exact path before any API route.
 */
export interface LocalEndpoint {
  /** Upper-case HTTP method. */
  readonly method: string;
  /** Exact canonical path, under one of the reserved prefixes. */
  readonly path: string;
  /** Whether the caller must authenticate as a partner first (the authenticate stage runs). */
  readonly authenticated: boolean;
  /** Writes the answer itself, or returns a denial that becomes a problem response. */
  handle(ex: Exchange): Verdict | Promise<Verdict>;
}

/**
 * Path prefixes owned by the gateway. No API route may live under them, so an upstream
 * can never shadow a gateway endpoint, or the other way round.
 */
export const RESERVED_PATH_PREFIXES: readonly string[] = ['/portcullis/', '/oauth2/', '/.well-known/'];

export function isReservedPath(path: string): boolean {
  return RESERVED_PATH_PREFIXES.some((prefix) => path.startsWith(prefix) || `${path}/` === prefix);
}
