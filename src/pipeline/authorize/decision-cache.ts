/** Counters of the decision point, read by the metrics exporter. Plain numbers, per plan. */
export interface AuthorizationCounters {
  /** Decisions answered from the cache. */
  cacheHits: number;
  /** Decisions Cedar had to evaluate. */
  cacheMisses: number;
  /** Decisions held in the cache now. */
  cacheEntries: number;
  /** Decisions denied because a policy failed to evaluate (each is also an alert). */
  evaluationErrors: number;
  /** Requests on which the shadow policies answered differently from the live ones. */
  shadowDifferences: number;
  /** Policy slices parsed into Cedar so far. */
  slicesLoaded: number;
}

export function emptyCounters(): AuthorizationCounters {
  return {
    cacheHits: 0,
    cacheMisses: 0,
    cacheEntries: 0,
    evaluationErrors: 0,
    shadowDifferences: 0,
    slicesLoaded: 0,
  };
}

/**
 * A bounded map of decisions, owned by one plan runtime, so a new plan starts with an
 * empty cache by construction. When full, the oldest entry goes first: entries age out
 * within minutes anyway, since the time of day is part of every key.
 */
export class DecisionCache<V> {
  readonly #entries = new Map<string, V>();
  readonly #max: number;
  readonly #counters: AuthorizationCounters;

  constructor(maxEntries: number, counters: AuthorizationCounters) {
    this.#max = maxEntries;
    this.#counters = counters;
  }

  get(key: string): V | undefined {
    const value = this.#entries.get(key);
    if (value === undefined) this.#counters.cacheMisses++;
    else this.#counters.cacheHits++;
    return value;
  }

  set(key: string, value: V): void {
    if (this.#max === 0) return;
    if (this.#entries.size >= this.#max) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(key, value);
    this.#counters.cacheEntries = this.#entries.size;
  }
}
