/**
 * Tokens whose signature and claims were already verified, by SHA-256 of the token, so a
 * token used for many requests is checked cryptographically once. An entry is never served
 * at or past its token's `exp`; everything that can change during a token's life
 * (revocation, the key still being published, the partner's status, the audience of the
 * API called) is still checked on every request. Bounded: when full, the oldest entry goes.
 */
export class VerifiedTokenCache<T extends { readonly expiresAt: number }> {
  readonly #limit: number;
  readonly #entries = new Map<string, T>();

  constructor(limit: number) {
    this.#limit = limit;
  }

  get(key: string, now: number): T | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt > now) return entry;
    this.#entries.delete(key);
    return undefined;
  }

  set(key: string, entry: T): void {
    if (this.#limit === 0) return;
    if (this.#entries.size >= this.#limit) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(key, entry);
  }
}
