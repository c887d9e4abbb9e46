import type { Exchange } from './exchange.ts';
import type { Denial, Responder, Stage, Verdict } from './stage.ts';

/**
 * A stage in its place. `enforced: false` records what it would deny and lets the request
 * pass; `forLocal: false` skips the stage for the gateway's own endpoints.
 */
export interface StageSpec {
  readonly name: string;
  readonly run: Stage;
  readonly enforced: boolean;
  readonly forLocal: boolean;
}

/** Fixed counters per stage; the metrics exporter reads them. */
export interface StageCounters {
  readonly name: string;
  evaluated: number;
  allowed: number;
  denied: number;
  shadowDenied: number;
}

export interface PipelineHooks {
  /** Answers a denial (a problem response). */
  readonly reject: (ex: Exchange, denial: Denial) => void;
  /** Answers an exception thrown by a stage: a bug, never a denial. */
  readonly fail: (ex: Exchange, error: unknown) => void;
}

export interface Pipeline {
  readonly counters: readonly StageCounters[];
  /** Runs every stage in order, then the responder; never throws. */
  run(ex: Exchange): void;
}

/**
 * Fixes the order of stages once. Rejects what is not a named stage, and at run time
 * treats a stage that both answered the client and let the request continue as a bug.
 * Synchronous verdicts stay synchronous: a promise is only awaited when a stage returns one.
 */
export function composePipeline(
  specs: readonly StageSpec[],
  respond: Responder,
  hooks: PipelineHooks,
): Pipeline {
  const names = new Set<string>();
  for (const spec of specs) {
    if (typeof spec.run !== 'function') throw new TypeError(`stage ${spec.name} is not a function`);
    if (spec.name === '' || names.has(spec.name))
      throw new TypeError(`stage name "${spec.name}" is empty or repeated`);
    names.add(spec.name);
  }
  if (typeof respond !== 'function') throw new TypeError('the responder is not a function');
  const stages = [...specs];
  const counters: StageCounters[] = stages.map((s) => ({
    name: s.name,
    evaluated: 0,
    allowed: 0,
    denied: 0,
    shadowDenied: 0,
  }));

  /** Applies a verdict; true when the request may go on. */
  function settle(ex: Exchange, index: number, verdict: Verdict): boolean {
    const spec = stages[index]!;
    const count = counters[index]!;
    if (verdict === undefined) {
      if (ex.res.headersSent) {
        hooks.fail(ex, new Error(`stage ${spec.name} answered the request and let it continue`));
        return false;
      }
      count.allowed++;
      return true;
    }
    if (!spec.enforced || verdict.shadow === true) {
      count.shadowDenied++;
      ex.shadowDenials ??= [];
      ex.shadowDenials.push({ stage: spec.name, code: verdict.code, reason: verdict.reason });
      return true;
    }
    count.denied++;
    ex.denial = verdict;
    hooks.reject(ex, verdict);
    return false;
  }

  function runFrom(ex: Exchange, start: number): void {
    for (let i = start; i < stages.length; i++) {
      if (ex.res.destroyed) return;
      const spec = stages[i]!;
      if (ex.local !== undefined && !spec.forLocal) continue;
      ex.stage = spec.name;
      ex.marks.push(spec.name, performance.now());
      counters[i]!.evaluated++;
      let verdict: Verdict | Promise<Verdict>;
      try {
        verdict = spec.run(ex);
      } catch (error) {
        hooks.fail(ex, error);
        return;
      }
      if (verdict instanceof Promise) {
        verdict.then(
          (v) => {
            if (!ex.res.destroyed && settle(ex, i, v)) runFrom(ex, i + 1);
          },
          (error: unknown) => hooks.fail(ex, error),
        );
        return;
      }
      if (!settle(ex, i, verdict)) return;
    }
    if (ex.res.destroyed) return;
    ex.stage = 'forward';
    ex.marks.push('forward', performance.now());
    try {
      respond(ex);
    } catch (error) {
      hooks.fail(ex, error);
    }
  }

  return { counters, run: (ex) => runFrom(ex, 0) };
}
