import { compilePlan, type RuntimePlan } from '../config/plan.ts';
import { openStores } from '../store/open.ts';
import type { Stores } from '../store/types.ts';

/** Compiles the configuration, opens its store for `work`, and closes the store after it. */
export function withState<T>(configDir: string, work: (plan: RuntimePlan, stores: Stores) => T): T {
  const plan = compilePlan(configDir);
  const stores = openStores(plan.gateway.store, plan.dir);
  try {
    return work(plan, stores);
  } finally {
    stores.close();
  }
}
