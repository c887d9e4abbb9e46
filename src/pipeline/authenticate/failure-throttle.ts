import type { Clock } from '../../clock.ts';
import type { Exchange } from '../exchange.ts';
import { type Denial, deny } from '../stage.ts';

/** Failed authentications one client address may make per window; `limit` 0 turns it off. */
export interface FailureThrottleSettings {
  readonly limit: number;
  readonly windowMs: number;
}

/** Addresses tracked at most; past it the expired windows go first, then the oldest. */
const MAX_ADDRESSES = 100_000;

interface Window {
  readonly start: number;
  failures: number;
}

/**
 * Counts failed authentications per client address in fixed windows, and refuses an
 * address that reached the limit until its window ends, before any credential it presents
 * is looked at: a flood of invalid API keys, forged tokens or guessed client secrets then
 * costs a map lookup per request instead of a hash or a signature check, and stops filling
 * the logs. Valid credentials from that address are refused too until the window ends (the
 * point is not to verify anything for it); behind a proxy, configure it as trusted so the
 * address is the client's. One per process, outliving plans; counts are per process.
 */
export class AuthFailureThrottle {
  readonly #windows = new Map<string, Window>();

  /** Seconds until `address` may authenticate again, or undefined when it may now. */
  retryAfter(address: string, now: number, settings: FailureThrottleSettings): number | undefined {
    if (settings.limit === 0) return undefined;
    const window = this.#windows.get(address);
    if (window === undefined || window.failures < settings.limit) return undefined;
    const ends = window.start + settings.windowMs;
    if (ends <= now) {
      this.#windows.delete(address);
      return undefined;
    }
    return Math.ceil((ends - now) / 1000);
  }

  recordFailure(address: string, now: number, settings: FailureThrottleSettings): void {
    if (settings.limit === 0) return;
    const window = this.#windows.get(address);
    if (window !== undefined && window.start + settings.windowMs > now) {
      window.failures++;
      return;
    }
    if (window === undefined && this.#windows.size >= MAX_ADDRESSES) this.#evict(now, settings.windowMs);
    // Re-inserted so the map's order stays the order windows started (oldest first).
    this.#windows.delete(address);
    this.#windows.set(address, { start: now, failures: 1 });
  }

  /** Addresses with a window open now (the tests read it to check the bound). */
  get tracked(): number {
    return this.#windows.size;
  }

  #evict(now: number, windowMs: number): void {
    for (const [address, window] of this.#windows) {
      if (window.start + windowMs > now) break;
      this.#windows.delete(address);
    }
    const excess = this.#windows.size - MAX_ADDRESSES + 1;
    if (excess <= 0) return;
    let dropped = 0;
    for (const address of this.#windows.keys()) {
      if (dropped++ >= excess) break;
      this.#windows.delete(address);
    }
  }
}

/** A plan's view of the process's throttle: its settings, applied to an exchange's client address. */
export interface AuthFailureGuard {
  /** The 429 denial while the exchange's client address is throttled; undefined otherwise. */
  refusal(ex: Exchange): Denial | undefined;
  /** Counts a failed authentication from the exchange's client address. */
  failed(ex: Exchange): void;
}

export function createAuthFailureGuard(
  throttle: AuthFailureThrottle,
  settings: FailureThrottleSettings,
  clock: Clock,
): AuthFailureGuard {
  return {
    refusal(ex) {
      const retryAfter = throttle.retryAfter(ex.clientAddress, clock.now(), settings);
      if (retryAfter === undefined) return undefined;
      return deny('authentication_throttled', 'Too many failed authentication attempts. Try again later.', {
        headers: { 'retry-after': String(retryAfter) },
        reason: `${settings.limit} or more failed authentications from this address within ${settings.windowMs / 1000} s`,
      });
    },
    failed(ex) {
      throttle.recordFailure(ex.clientAddress, clock.now(), settings);
    },
  };
}
