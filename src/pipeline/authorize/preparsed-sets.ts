import { type Policy, preparse } from './cedar.ts';

/**
 * Cedar keeps preparsed policy sets in the module's memory by id and has no call to drop
 * one. Each plan runtime therefore takes a namespace number, and gives it back when it
 * closes after emptying its sets; the next runtime reuses the number, so its sets replace
 * the old ones instead of piling up across reloads.
 */
const freeNamespaces: number[] = [];
let nextNamespace = 0;

/** The preparsed policy sets of one plan runtime. */
export class PreparsedSets {
  readonly #namespace = freeNamespaces.pop() ?? nextNamespace++;
  readonly #ids: string[] = [];
  #released = false;

  /** Parses `policies` once and returns the id to evaluate requests against. */
  add(name: string, policies: Record<string, Policy>): string {
    const id = `${this.#namespace}/${name}`;
    preparse(id, policies);
    this.#ids.push(id);
    return id;
  }

  /** Empties every set of this runtime and frees its namespace; call once no request uses it. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    for (const id of this.#ids) preparse(id, {});
    freeNamespaces.push(this.#namespace);
  }
}
