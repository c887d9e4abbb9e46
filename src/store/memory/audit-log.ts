import { randomUUID } from 'node:crypto';
import type { LogBackend, StoredLeaf } from '../../audit/backend.ts';
import type { SignedHead } from '../../audit/head.ts';
import type { NodeRef } from '../../audit/merkle.ts';
import { emptyLogState, type LogState } from '../../audit/sequencer.ts';

/** A log held in process memory: for tests and for a gateway with no persistent state. */
export class MemoryLogBackend implements LogBackend {
  #state: LogState = emptyLogState(randomUUID());
  readonly #leaves: string[] = [];
  /** `#levels[l]` holds the completed subtrees of stored level l. */
  readonly #levels: Buffer[][] = [];
  readonly #heads: SignedHead[] = [];

  append(build: Parameters<LogBackend['append']>[0]) {
    const batch = build(this.#state);
    this.#leaves.push(...batch.leaves);
    for (const node of batch.nodes) {
      while (this.#levels.length <= node.level) this.#levels.push([]);
      this.#levels[node.level]![node.index] = node.hash;
    }
    if (batch.head !== undefined) this.#heads.push(batch.head);
    this.#state = batch.state;
    return batch;
  }

  signHead(decide: Parameters<LogBackend['signHead']>[0]) {
    const signed = decide(this.#state);
    if (signed === undefined) return undefined;
    this.#heads.push(signed.head);
    this.#state = signed.state;
    return signed.head;
  }

  size() {
    return this.#leaves.length;
  }

  latestHead() {
    return this.#heads.at(-1);
  }

  heads(afterSize: number, limit: number) {
    return this.#heads.filter((h) => h.size > afterSize).slice(0, limit);
  }

  leaves(fromSeq: number, limit: number): StoredLeaf[] {
    return this.#leaves.slice(fromSeq, fromSeq + limit).map((leaf, i) => ({ seq: fromSeq + i, leaf }));
  }

  tail(limit: number) {
    return this.#leaves.slice(-limit);
  }

  nodes(refs: readonly NodeRef[]) {
    return refs.map(([level, index]) => this.#levels[level]![index]!);
  }

  close() {}
}
