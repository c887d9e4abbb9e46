import type { LimitKind } from './policy.ts';

/** Decisions of the limit stage for one partner; monotonic for the life of the process. */
export interface LimitCounts {
  allowed: number;
  /** Refused (or, in a dry run, would have been) per tripped limit kind. */
  denied: Record<LimitKind, number>;
  /** Refused because the shared store was unreachable and the contract fails closed. */
  unavailable: number;
  /** Dry-run refusals among `denied` and `unavailable`: recorded, not enforced. */
  shadowDenied: number;
}

/** Per-partner decision counters, kept across plan reloads for a metrics exporter to read. */
export class LimitCounters {
  readonly #partners = new Map<string, LimitCounts>();

  for(partner: string): LimitCounts {
    let counts = this.#partners.get(partner);
    if (counts === undefined) {
      counts = { allowed: 0, denied: { rate: 0, quota: 0, concurrency: 0 }, unavailable: 0, shadowDenied: 0 };
      this.#partners.set(partner, counts);
    }
    return counts;
  }

  entries(): IterableIterator<[string, Readonly<LimitCounts>]> {
    return this.#partners.entries();
  }
}
