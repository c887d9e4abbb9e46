import { createLocalJWKSet, type JSONWebKeySet, type JWK, type JWSHeaderParameters } from 'jose';
import type { Clock } from '../../clock.ts';
import type { JwksSettings } from './bearer-config.ts';
import type { IssuerKeys, KeyLookup, KeyStatus } from './issuer-keys.ts';

/** A JWKS larger than this is refused (a key set is a few kilobytes). */
const MAX_JWKS_BYTES = 256 * 1024;

type LocalKeySet = ReturnType<typeof createLocalJWKSet>;

/**
 * An external issuer's published keys, fetched from its JWKS URI and cached:
 * - fresh for `ttlMs`; after that the next lookup fetches again;
 * - a `kid` not in the set triggers a fetch, but fetches (successful or not) are at least
 *   `minRefetchMs` apart, so a flood of tokens with random kids cannot cause a fetch storm;
 * - when the endpoint fails, the last good keys keep serving for `staleMs` past their TTL,
 *   then lookups answer "unavailable" (fail closed).
 * Redirects are not followed; private and symmetric keys in the set are ignored.
 */
export class RemoteKeySet implements IssuerKeys {
  readonly #settings: JwksSettings;
  readonly #clock: Clock;
  readonly #onError: (error: unknown) => void;
  #local: LocalKeySet | undefined;
  #kids = new Set<string>();
  #fetchedAt = Number.NEGATIVE_INFINITY;
  #attemptedAt = Number.NEGATIVE_INFINITY;
  #inflight: Promise<void> | undefined;

  constructor(settings: JwksSettings, clock: Clock, onError: (error: unknown) => void) {
    this.#settings = settings;
    this.#clock = clock;
    this.#onError = onError;
  }

  status(kid: string | undefined): KeyStatus {
    const now = this.#clock.now();
    if (now - this.#fetchedAt >= this.#settings.ttlMs) void this.#refresh(now);
    if (!this.#usable(now)) return 'unavailable';
    return kid === undefined || this.#kids.has(kid) ? 'published' : 'removed';
  }

  async lookup(header: JWSHeaderParameters): Promise<KeyLookup> {
    let now = this.#clock.now();
    if (now - this.#fetchedAt >= this.#settings.ttlMs) await this.#refresh(now);
    const kid = header.kid;
    if (kid !== undefined && !this.#kids.has(kid)) {
      await this.#refresh(now);
      now = this.#clock.now();
    }
    if (!this.#usable(now) || this.#local === undefined)
      return { unavailable: `no usable keys from ${this.#settings.uri}` };
    if (kid !== undefined && !this.#kids.has(kid))
      return { missing: `no key with this kid at ${this.#settings.uri}` };
    try {
      return { key: await this.#local(header) };
    } catch (error) {
      return { missing: `no matching key (${(error as { code?: string }).code ?? 'error'})` };
    }
  }

  #usable(now: number): boolean {
    return now - this.#fetchedAt < this.#settings.ttlMs + this.#settings.staleMs;
  }

  /** One fetch at a time, and none sooner than `minRefetchMs` after the last attempt. */
  #refresh(now: number): Promise<void> {
    if (this.#inflight !== undefined) return this.#inflight;
    if (now - this.#attemptedAt < this.#settings.minRefetchMs) return Promise.resolve();
    this.#attemptedAt = now;
    this.#inflight = this.#fetch()
      .then((jwks) => {
        this.#local = createLocalJWKSet(jwks);
        this.#kids = new Set(jwks.keys.flatMap((k) => (typeof k.kid === 'string' ? [k.kid] : [])));
        this.#fetchedAt = this.#clock.now();
      }, this.#onError)
      .finally(() => {
        this.#inflight = undefined;
      });
    return this.#inflight;
  }

  async #fetch(): Promise<JSONWebKeySet> {
    const res = await fetch(this.#settings.uri, {
      redirect: 'error',
      signal: AbortSignal.timeout(this.#settings.timeoutMs),
      headers: { accept: 'application/jwk-set+json, application/json' },
    });
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new Error(`JWKS endpoint ${this.#settings.uri} answered ${res.status}`);
    }
    const body = JSON.parse(await readBounded(res, MAX_JWKS_BYTES)) as { keys?: unknown };
    if (typeof body !== 'object' || body === null || !Array.isArray(body.keys)) {
      throw new Error(`JWKS endpoint ${this.#settings.uri} did not answer a key set`);
    }
    const keys = body.keys.filter(
      (k): k is JWK =>
        typeof k === 'object' &&
        k !== null &&
        ['RSA', 'EC', 'OKP'].includes((k as JWK).kty as string) &&
        (k as JWK).d === undefined &&
        ((k as JWK).use === undefined || (k as JWK).use === 'sig'),
    );
    return { keys };
  }
}

async function readBounded(res: Response, limit: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body ?? []) {
    size += chunk.byteLength;
    if (size > limit) throw new Error(`JWKS larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The process's remote key sets, one per distinct JWKS setting, kept across plans: a reload
 * neither refetches every issuer's keys nor, while an issuer's endpoint is down, loses the
 * last good keys that were serving.
 */
export class RemoteKeySets {
  readonly #sets = new Map<string, RemoteKeySet>();
  readonly #clock: Clock;
  readonly #onError: (settings: JwksSettings, error: unknown) => void;

  constructor(clock: Clock, onError: (settings: JwksSettings, error: unknown) => void) {
    this.#clock = clock;
    this.#onError = onError;
  }

  for(settings: JwksSettings): RemoteKeySet {
    const key = JSON.stringify([
      settings.uri,
      settings.ttlMs,
      settings.minRefetchMs,
      settings.staleMs,
      settings.timeoutMs,
    ]);
    let set = this.#sets.get(key);
    if (set === undefined) {
      set = new RemoteKeySet(settings, this.#clock, (error) => this.#onError(settings, error));
      this.#sets.set(key, set);
    }
    return set;
  }
}
