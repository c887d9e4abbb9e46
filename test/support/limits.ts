import { compilePlan, type RuntimePlan } from '../../src/config/plan.ts';
import type { PartnerLimits, RequestLimits } from '../../src/pipeline/limit/policy.ts';
import { contractFile, gatewayFile, PETS_OPENAPI, tempConfigDir } from './config.ts';

/** A manually advanced clock (epoch ms). */
export class ManualClock {
  now_: number;
  constructor(start: number) {
    this.now_ = start;
  }
  now = (): number => this.now_;
  advance(ms: number): void {
    this.now_ += ms;
  }
  set(ms: number): void {
    this.now_ = ms;
  }
}

/** Compiles a plan whose contract for `acme` has the given `limits` section. */
export function planWithLimits(
  limits: Record<string, unknown>,
  gatewayLimits?: Record<string, unknown>,
): RuntimePlan {
  const dir = tempConfigDir({
    'portcullis.yaml': gatewayFile({
      upstreamUrl: 'http://127.0.0.1:9',
      extra: gatewayLimits === undefined ? {} : { limits: gatewayLimits },
    }),
    'apis/pets.yaml': PETS_OPENAPI,
    'contracts/acme.yaml': contractFile('acme', ['listPets', 'createPet', 'getPet'], { limits }),
  });
  try {
    return compilePlan(dir.dir);
  } finally {
    dir.remove();
  }
}

/** The compiled limits of partner `acme`. */
export function partnerLimits(limits: Record<string, unknown>): PartnerLimits {
  const found = planWithLimits(limits).limits.get('acme');
  if (found === undefined) throw new Error('no limits compiled for acme');
  return found;
}

/** The limits of one pets operation of `acme`. */
export function operationLimits(
  partner: PartnerLimits,
  plan: RuntimePlan,
  operationId: string,
): RequestLimits {
  const operation = plan.apis.get('pets')!.spec.operations.find((o) => o.id === operationId)!;
  return partner.byOperation.get(operation) ?? partner.base;
}
