import type { ConcurrencyLease } from './types.ts';

/**
 * Requests in flight in this process, per concurrency key. Shared by the in-memory store,
 * the Redis store and its local fallback, so a switch between them never loses count of
 * the slots already held.
 */
export class InflightCounter {
  readonly #counts = new Map<string, number>();

  get(key: string): number {
    return this.#counts.get(key) ?? 0;
  }

  /** Takes a slot and returns a lease that gives it back; `onRelease` hears which key changed. */
  acquire(key: string, onRelease?: (key: string) => void): InflightLease {
    this.#counts.set(key, this.get(key) + 1);
    return new InflightLease(this, key, onRelease);
  }

  /** Keys with at least one request in flight, with their counts. */
  entries(): IterableIterator<[string, number]> {
    return this.#counts.entries();
  }

  /** Returns the count left after giving one slot back. */
  decrement(key: string): number {
    const count = this.get(key) - 1;
    if (count <= 0) this.#counts.delete(key);
    else this.#counts.set(key, count);
    return Math.max(count, 0);
  }
}

/** A slot taken in an `InflightCounter`. */
export class InflightLease implements ConcurrencyLease {
  readonly #counter: InflightCounter;
  readonly #key: string;
  readonly #onRelease: ((key: string) => void) | undefined;
  #released = false;

  constructor(counter: InflightCounter, key: string, onRelease?: (key: string) => void) {
    this.#counter = counter;
    this.#key = key;
    this.#onRelease = onRelease;
  }

  readonly release = (): void => {
    if (this.#released) return;
    this.#released = true;
    this.#counter.decrement(this.#key);
    this.#onRelease?.(this.#key);
  };

  /** Gives back a slot that was reserved but never granted, without telling anyone. */
  cancel(): void {
    if (this.#released) return;
    this.#released = true;
    this.#counter.decrement(this.#key);
  }
}
