import type { PipelineHooks } from '../compose.ts';
import type { Exchange } from '../exchange.ts';
import type { Denial, Responder, Verdict } from '../stage.ts';

/** Answers a request for one of the gateway's own endpoints, in place of forwarding it. */
export function createLocalResponder(hooks: PipelineHooks): Responder {
  const settle = (ex: Exchange, verdict: Verdict) => {
    if (verdict === undefined || ex.res.destroyed) return;
    ex.denial = verdict;
    hooks.reject(ex, verdict);
  };
  return function answerLocally(ex: Exchange): void {
    let verdict: Verdict | Promise<Verdict>;
    try {
      verdict = ex.local!.handle(ex);
    } catch (error) {
      hooks.fail(ex, error);
      return;
    }
    if (verdict instanceof Promise) {
      verdict.then(
        (v) => settle(ex, v),
        (error: unknown) => hooks.fail(ex, error),
      );
    } else {
      settle(ex, verdict as Denial | undefined);
    }
  };
}
