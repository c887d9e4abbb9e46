import type { Exchange } from '../exchange.ts';
import type { Denial, Stage } from '../stage.ts';
import type { DecisionPoint } from './decision-point.ts';

/**
 * Default deny, decided by Cedar: the caller may call the routed operation only if a
 * policy permits it (its contract's grant, or an operator's permit) and no policy forbids
 * it. What was decided, and by which policies, is left on the exchange for the recorders.
 */
export function createAuthorizeStage(decisionPoint: DecisionPoint): Stage {
  return function authorize(ex: Exchange): Denial | undefined {
    const record = decisionPoint.decide(ex);
    ex.authorization = record;
    return record.denial;
  };
}
