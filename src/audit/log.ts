import type { Clock } from '../clock.ts';
import type { LogBackend } from './backend.ts';
import type { AuditEventV1, AuditStore } from './event.ts';
import type { HeadSigner, SignedHead } from './head.ts';
import { type AppendBatch, type HeadPolicy, headIfDue, sequenceEvents } from './sequencer.ts';

export interface AuditLogOptions {
  readonly backend: LogBackend;
  readonly signer: HeadSigner;
  readonly clock: Clock;
  readonly heads: HeadPolicy;
  /** Events held while the store cannot take them; past it `submit` refuses and `append` drops. */
  readonly capacity: number;
  /** Events written in one transaction at most (whole submission groups are never split). */
  readonly maxBatch: number;
  /**
   * Least time between the starts of two writes (group commit): an idle log writes on the
   * next event-loop turn, a busy one gathers what arrives meanwhile into one transaction.
   */
  readonly commitWindowMs?: number | undefined;
  /** Receives every head this process signs, to keep outside the store. */
  readonly witness?: ((head: SignedHead) => void) | undefined;
  /** Reports store failures and dropped events; never given an event's values beyond its action. */
  readonly onError?: ((error: unknown, what: string) => void) | undefined;
}

/** Counters and gauges for metrics. */
export interface AuditLogStats {
  readonly queued: number;
  readonly capacity: number;
  readonly committed: number;
  readonly dropped: number;
  readonly failures: number;
  /** Seconds the oldest event still waiting for its commit has waited. */
  readonly lagSeconds: number;
  /** Events this process knows of that no signed head covers yet. */
  readonly unsigned: number;
}

/** Events submitted in one event-loop turn: committed together, waited for together. */
interface Group {
  readonly events: AuditEventV1[];
  readonly since: number;
  waiters: PromiseWithResolvers<void> | undefined;
}

type Outcome = { readonly ok: true } | { readonly ok: false; readonly error: unknown };

const RETRY_MIN_MS = 10;
const RETRY_MAX_MS = 2000;
const RECENT_KEPT = 256;

/**
 * The tamper-evident audit log as its producers see it. Events are queued and written in
 * batches off the request path (one transaction per event-loop turn, whatever arrived
 * meanwhile); an event counts as written once its transaction committed, which is what
 * `submit`'s promise says. While the store fails, events stay queued (up to `capacity`)
 * and writing is retried with backoff. Heads are signed every N events inside the append
 * transaction, and every T milliseconds by a timer.
 */
export class AuditLog implements AuditStore {
  readonly #o: AuditLogOptions;
  readonly #groups: Group[] = [];
  #open: Group | undefined;
  #queued = 0;
  #busy = false;
  #scheduled = false;
  #lastWriteAt = Number.NEGATIVE_INFINITY;
  #retryMs = 0;
  #retryTimer: NodeJS.Timeout | undefined;
  readonly #headTimer: NodeJS.Timeout;
  readonly #outcomeWaiters: ((outcome: Outcome) => void)[] = [];
  readonly #recent: AuditEventV1[] = [];
  #committed = 0;
  #dropped = 0;
  #failures = 0;
  #size = 0;
  #headSize = 0;
  #closing: Promise<void> | undefined;
  readonly #drain = () => this.#write();

  constructor(options: AuditLogOptions) {
    this.#o = options;
    this.#headTimer = setInterval(() => void this.signHead(false), options.heads.everyMs);
    this.#headTimer.unref();
  }

  get backend(): LogBackend {
    return this.#o.backend;
  }

  /** Whether an event submitted now would be taken. */
  hasRoom(): boolean {
    return this.#queued < this.#o.capacity && this.#closing === undefined;
  }

  /**
   * Queues an event and returns a promise settled once it is committed; undefined (and
   * nothing queued) when the buffer is full, so the caller can fail closed.
   */
  submit(event: AuditEventV1): Promise<void> | undefined {
    if (!this.hasRoom()) return undefined;
    const group = this.#enqueue(event);
    group.waiters ??= Promise.withResolvers<void>();
    return group.waiters.promise;
  }

  /** Queues an event without waiting for it; a full buffer drops it, counted and reported. */
  append(event: AuditEventV1): void {
    if (this.hasRoom()) {
      this.#enqueue(event);
      return;
    }
    this.#dropped++;
    this.#o.onError?.(new Error('audit buffer full'), `audit event dropped: ${event.kind} ${event.action}`);
  }

  /** Counts an event that was never offered because a fail-open contract let its request pass. */
  countDropped(): void {
    this.#dropped++;
  }

  /**
   * The newest events, oldest first. An embedded store is flushed and read (so events
   * of other processes appear); a network store answers from what this process committed.
   */
  recent(limit: number): AuditEventV1[] {
    while (this.#queued > 0 && !this.#busy && this.#retryTimer === undefined) this.#write();
    const tail = this.#o.backend.tail(limit);
    if (tail instanceof Promise) return this.#recent.slice(-limit);
    return tail.map((line) => JSON.parse(line) as AuditEventV1);
  }

  stats(): AuditLogStats {
    const oldest = this.#groups[0];
    return {
      queued: this.#queued,
      capacity: this.#o.capacity,
      committed: this.#committed,
      dropped: this.#dropped,
      failures: this.#failures,
      lagSeconds: oldest === undefined ? 0 : (performance.now() - oldest.since) / 1000,
      unsigned: Math.max(0, this.#size - this.#headSize),
    };
  }

  /** Resolves once every queued event is committed; rejects with the store's error if a write fails. */
  async flush(): Promise<void> {
    while (this.#queued > 0) {
      const outcome = new Promise<Outcome>((resolve) => this.#outcomeWaiters.push(resolve));
      if (!this.#busy) {
        clearTimeout(this.#retryTimer);
        this.#retryTimer = undefined;
        this.#write();
      }
      const result = await outcome;
      if (!result.ok) throw result.error;
    }
  }

  /** Signs a head over everything written when one is due (or now, with `force`). */
  async signHead(force: boolean): Promise<SignedHead | undefined> {
    try {
      const now = this.#o.clock.now();
      const head = await this.#o.backend.signHead((state) =>
        headIfDue(state, this.#o.heads, this.#o.signer, now, force),
      );
      if (head !== undefined) this.#signed(head);
      return head;
    } catch (error) {
      this.#failures++;
      this.#o.onError?.(error, 'audit head could not be signed');
      return undefined;
    }
  }

  /**
   * Writes what is queued, signs a final head and closes the store. Events the store
   * still refuses are reported as lost.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    clearInterval(this.#headTimer);
    try {
      await this.flush();
    } catch (error) {
      this.#o.onError?.(error, `${this.#queued} audit event(s) could not be written before closing`);
    }
    clearTimeout(this.#retryTimer);
    await this.signHead(true);
    await this.#o.backend.close();
  }

  #enqueue(event: AuditEventV1): Group {
    let group = this.#open;
    if (group === undefined) {
      group = { events: [], since: performance.now(), waiters: undefined };
      this.#open = group;
      this.#groups.push(group);
    }
    group.events.push(event);
    this.#queued++;
    this.#schedule();
    return group;
  }

  #write(): void {
    this.#scheduled = false;
    if (this.#busy || this.#groups.length === 0 || this.#retryTimer !== undefined) return;
    const taken: Group[] = [];
    const jsons: string[] = [];
    while (this.#groups.length > 0 && (jsons.length === 0 || jsons.length < this.#o.maxBatch)) {
      const group = this.#groups.shift()!;
      if (group === this.#open) this.#open = undefined;
      taken.push(group);
      for (const event of group.events) jsons.push(JSON.stringify(event));
    }
    this.#busy = true;
    this.#lastWriteAt = performance.now();
    const now = this.#o.clock.now();
    let result: AppendBatch | Promise<AppendBatch>;
    try {
      result = this.#o.backend.append((state) =>
        sequenceEvents(state, jsons, this.#o.heads, this.#o.signer, now),
      );
    } catch (error) {
      this.#failed(taken, error);
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (batch) => this.#done(taken, batch),
        (error: unknown) => this.#failed(taken, error),
      );
    } else {
      this.#done(taken, result);
    }
  }

  #done(taken: Group[], batch: AppendBatch): void {
    this.#busy = false;
    this.#retryMs = 0;
    this.#size = batch.state.frontier.size;
    for (const group of taken) {
      this.#queued -= group.events.length;
      this.#committed += group.events.length;
      for (const event of group.events) this.#recent.push(event);
      group.waiters?.resolve();
    }
    if (this.#recent.length > RECENT_KEPT) this.#recent.splice(0, this.#recent.length - RECENT_KEPT);
    if (batch.head !== undefined) this.#signed(batch.head);
    this.#settle({ ok: true });
    if (this.#groups.length > 0) this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    const wait = this.#lastWriteAt + (this.#o.commitWindowMs ?? 0) - performance.now();
    if (wait <= 0) setImmediate(this.#drain);
    else setTimeout(this.#drain, wait);
  }

  #failed(taken: Group[], error: unknown): void {
    this.#busy = false;
    this.#failures++;
    // Back to the front, in order: a retry writes the same events in the same order.
    this.#groups.unshift(...taken);
    this.#o.onError?.(error, `audit store refused ${this.#queued} queued event(s); retrying`);
    this.#retryMs = Math.min(Math.max(this.#retryMs * 2, RETRY_MIN_MS), RETRY_MAX_MS);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#write();
    }, this.#retryMs);
    this.#retryTimer.unref();
    this.#settle({ ok: false, error });
  }

  #signed(head: SignedHead): void {
    this.#headSize = Math.max(this.#headSize, head.size);
    this.#size = Math.max(this.#size, head.size);
    try {
      this.#o.witness?.(head);
    } catch (error) {
      this.#o.onError?.(error, 'audit head could not be written to the witness file');
    }
  }

  #settle(outcome: Outcome): void {
    for (const resolve of this.#outcomeWaiters.splice(0)) resolve(outcome);
  }
}
