import { ConfigError } from '../../../src/config/issues.ts';
import type { OperationSpec } from '../../../src/config/openapi.ts';
import { compilePlan, type RuntimePlan } from '../../../src/config/plan.ts';
import { DecisionPoint } from '../../../src/pipeline/authorize/decision-point.ts';
import { createAuthorizeStage } from '../../../src/pipeline/authorize/stage.ts';
import type { Exchange } from '../../../src/pipeline/exchange.ts';
import type { Identity } from '../../../src/pipeline/identity.ts';
import type { Denial } from '../../../src/pipeline/stage.ts';
import {
  type ConfigFiles,
  contractFile,
  gatewayFile,
  PETS_OPENAPI,
  tempConfigDir,
} from '../../support/config.ts';

/**
 * Compiles a pets configuration (partner `acme` granted `grants` or, by default, every
 * operation but deletePet) plus `files`, e.g. `policies/x.cedar`.
 */
export function compileWith(files: ConfigFiles = {}, gateway: Record<string, unknown> = {}): RuntimePlan {
  const dir = tempConfigDir({
    'portcullis.yaml': gatewayFile({ upstreamUrl: 'http://127.0.0.1:9', extra: gateway }),
    'apis/pets.yaml': PETS_OPENAPI,
    'contracts/acme.yaml': contractFile('acme', ['listPets', 'createPet', 'listMyPets', 'getPet', 'getFile']),
    ...files,
  });
  try {
    return compilePlan(dir.dir);
  } finally {
    dir.remove();
  }
}

/** The issues a configuration is refused with, as `file:line:column path: message`. */
export function issuesOf(files: ConfigFiles, gateway: Record<string, unknown> = {}): string[] {
  try {
    compileWith(files, gateway);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.issues.map((i) => `${i.file}:${i.line}:${i.column} ${i.path}: ${i.message}`);
  }
  throw new Error('the configuration was accepted');
}

export interface RequestFacts {
  readonly operation?: string;
  readonly api?: string;
  readonly identity?: Partial<Identity>;
  readonly clientAddress?: string;
  /** Epoch milliseconds; default Wednesday 2026-01-07 12:00 UTC. */
  readonly at?: number;
  readonly dataClasses?: ReadonlySet<string>;
  readonly riskScore?: number;
}

export const WEDNESDAY_NOON_UTC = Date.UTC(2026, 0, 7, 12, 0);

/** An authenticated, routed exchange as the authorize stage sees it. */
export function exchange(facts: RequestFacts = {}): Exchange {
  return {
    id: 'decision-1',
    planVersion: 'v',
    receivedAt: facts.at ?? WEDNESDAY_NOON_UTC,
    clientAddress: facts.clientAddress ?? '127.0.0.1',
    identity: {
      partner: 'acme',
      application: 'billing',
      credential: { kind: 'api_key', id: 'k' },
      ...facts.identity,
    },
    route: {
      target: { api: facts.api ?? 'pets', operation: { id: facts.operation ?? 'listPets' } as OperationSpec },
      params: {},
    },
    dataClasses: facts.dataClasses,
    riskScore: facts.riskScore,
  } as unknown as Exchange;
}

/** The authorize stage of a plan, as a function of request facts; closed after the test. */
export function deciderFor(
  plan: RuntimePlan,
  t: { after(fn: () => void): void },
): ((facts?: RequestFacts) => Exchange) & { point: DecisionPoint } {
  const point = new DecisionPoint(plan.authorization, plan.version);
  t.after(() => point.close());
  const stage = createAuthorizeStage(point);
  const decide = (facts: RequestFacts = {}) => {
    const ex = exchange(facts);
    ex.denial = stage(ex) as Denial | undefined;
    return ex;
  };
  return Object.assign(decide, { point });
}
