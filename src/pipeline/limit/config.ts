import Type from 'typebox';
import type { ConfigIssue } from '../../config/issues.ts';
import type { LoadedConfig, LoadedContract } from '../../config/load.ts';
import { closed, Name } from '../../config/names.ts';
import { WindowSchema, windowSeconds } from '../../config/window.ts';
import { RedisLimitStoreSchema } from '../../store/limits/config.ts';
import { Calendar, type CalendarUnit, isTimeZone } from './calendar.ts';
import { policyHeader, quoteName } from './headers.ts';
import { AdaptiveSchema } from './health.ts';
import type {
  ConcurrencyPolicy,
  LimitTable,
  PartnerLimits,
  QuotaPolicy,
  RatePolicy,
  RequestLimits,
} from './policy.ts';

/** A rate with burst: `limit` units per `window`, up to `burst` at once. */
export const RateSchema = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 1_000_000_000 }),
    window: WindowSchema('1s'),
    /** Units a partner may use at once after being idle; default: `limit`. */
    burst: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000_000 })),
  },
  closed,
);

/** Units per calendar hour, day or month in a time zone. */
export const QuotaSchema = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 1_000_000_000_000 }),
    period: Type.Enum(['hour', 'day', 'month']),
    /** IANA time zone whose calendar the periods follow. */
    timeZone: Type.String({ minLength: 1, default: 'UTC' }),
  },
  closed,
);

/** Settings for some operations of one API: their weight and their own rate. */
export const OperationLimitsSchema = Type.Object(
  {
    api: Name,
    operations: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, uniqueItems: true }),
    /** Units one call consumes from every rate and quota. */
    weight: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1 }),
    /** A rate of each listed operation on its own, besides the partner's. */
    rate: Type.Optional(RateSchema),
  },
  closed,
);

/** A contract's `limits`. */
export const ContractLimitsSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: true }),
    /** False: a dry run that records what would be refused and refuses nothing. */
    enforced: Type.Boolean({ default: true }),
    /** With the Redis store, while Redis fails: refuse (503) or enforce a local share. */
    onStoreFailure: Type.Enum(['closed', 'local'], { default: 'closed' }),
    rate: Type.Optional(RateSchema),
    quotas: Type.Array(QuotaSchema, { default: [] }),
    concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
    operations: Type.Array(OperationLimitsSchema, { default: [] }),
  },
  {
    ...closed,
    default: {},
    'x-renamed': { rateLimit: 'rate', quota: 'quotas', weights: 'operations[].weight' },
  },
);

/** `limits` in portcullis.yaml: where limit state lives, and adaptive limits. */
export const GatewayLimitsSchema = Type.Object(
  {
    /** `memory` (one process) or `redis` (a fleet; needs `redis.url`). */
    store: Type.Enum(['memory', 'redis'], { default: 'memory' }),
    redis: Type.Optional(RedisLimitStoreSchema),
    adaptive: AdaptiveSchema,
  },
  { ...closed, default: {} },
);

export type GatewayLimitsConfig = Type.Static<typeof GatewayLimitsSchema>;
export type RateConfig = Type.Static<typeof RateSchema>;
export type ContractLimitsConfig = Type.Static<typeof ContractLimitsSchema>;

/**
 * Builds every partner's limit policies once per plan. Store keys name the partner and the
 * limit (not the plan), so a reload keeps the state of limits it did not change.
 */
export function compileLimits(loaded: LoadedConfig, issues: ConfigIssue[]): LimitTable {
  const gateway = loaded.gateway.limits;
  if (gateway.store === 'redis' && gateway.redis === undefined) {
    issues.push(loaded.gatewaySource.issue(['limits', 'store'], 'the redis store needs `limits.redis.url`'));
  }
  const table = new Map<string, PartnerLimits>();
  for (const contract of loaded.contracts.values()) {
    const limits = compilePartner(loaded, contract, issues);
    if (limits !== undefined) table.set(contract.partner, limits);
  }
  return table;
}

function compilePartner(
  loaded: LoadedConfig,
  contract: LoadedContract,
  issues: ConfigIssue[],
): PartnerLimits | undefined {
  const config = contract.config.limits;
  const partner = contract.partner;
  const at = (...path: (string | number)[]) => ['limits', ...path];
  if (!config.enabled) return undefined;

  const partnerRates =
    config.rate === undefined ? [] : [ratePolicy('rate', `{${partner}}:rate`, config.rate)];
  const quotas: QuotaPolicy[] = [];
  config.quotas.forEach((quota, i) => {
    if (!isTimeZone(quota.timeZone)) {
      issues.push(
        contract.source.issue(at('quotas', i, 'timeZone'), `unknown IANA time zone \`${quota.timeZone}\``),
      );
      return;
    }
    if (quotas.some((q) => q.calendar.unit === quota.period)) {
      issues.push(
        contract.source.issue(at('quotas', i, 'period'), `more than one quota per ${quota.period}`),
      );
      return;
    }
    quotas.push({
      kind: 'quota',
      name: `quota-${quota.period}`,
      key: `{${partner}}:quota:${quota.period}:${quota.timeZone}`,
      limit: quota.limit,
      calendar: new Calendar(quota.period as CalendarUnit, quota.timeZone),
    });
  });
  const concurrency: ConcurrencyPolicy | undefined =
    config.concurrency === undefined
      ? undefined
      : {
          kind: 'concurrency',
          name: 'concurrency',
          key: `{${partner}}:concurrency`,
          limit: config.concurrency,
        };
  const settings = { partner, enforced: config.enforced, failMode: config.onStoreFailure };

  const byOperation = new Map<object, RequestLimits>();
  const operationRates: RatePolicy[] = [];
  config.operations.forEach((entry, i) => {
    const api = loaded.apis.get(entry.api);
    if (api === undefined) {
      issues.push(contract.source.issue(at('operations', i, 'api'), `unknown API \`${entry.api}\``));
      return;
    }
    entry.operations.forEach((id, j) => {
      const operation = api.spec.operations.find((o) => o.id === id);
      const where = at('operations', i, 'operations', j);
      if (operation === undefined) {
        issues.push(contract.source.issue(where, `API \`${entry.api}\` has no operation \`${id}\``));
        return;
      }
      if (byOperation.has(operation)) {
        issues.push(contract.source.issue(where, `operation \`${id}\` has limits set more than once`));
        return;
      }
      const name = `rate-${entry.api}.${id}`;
      if (entry.rate !== undefined && quoteName(name) === undefined) {
        issues.push(
          contract.source.issue(where, 'an operation with its own rate needs a printable ASCII id'),
        );
        return;
      }
      const own =
        entry.rate === undefined
          ? []
          : [ratePolicy(name, `{${partner}}:rate:${entry.api}.${id}`, entry.rate, `${entry.api}.${id}`)];
      operationRates.push(...own);
      const rates = [...partnerRates, ...own];
      const tooHeavy = [...rates.map((r) => r.burst), ...quotas.map((q) => q.limit)].some(
        (units) => entry.weight > units,
      );
      if (tooHeavy) {
        issues.push(
          contract.source.issue(
            at('operations', i, 'weight'),
            'must not exceed any burst or quota it counts against',
          ),
        );
      }
      byOperation.set(operation, requestLimits(settings, entry.weight, rates, quotas, concurrency));
    });
  });

  if (partnerRates.length + quotas.length + operationRates.length === 0 && concurrency === undefined)
    return undefined;
  return {
    partner,
    base: requestLimits(settings, 1, partnerRates, quotas, concurrency),
    byOperation,
    all: requestLimits(settings, 0, [...partnerRates, ...operationRates], quotas, concurrency),
  };
}

function ratePolicy(name: string, key: string, config: RateConfig, operation?: string): RatePolicy {
  const seconds = windowSeconds(config.window);
  const burst = config.burst ?? config.limit;
  const emissionMs = (seconds * 1000) / config.limit;
  return {
    kind: 'rate',
    name,
    key,
    limit: config.limit,
    windowSeconds: seconds,
    burst,
    emissionMs,
    toleranceMs: burst * emissionMs,
    operation,
  };
}

function requestLimits(
  settings: Pick<RequestLimits, 'partner' | 'enforced' | 'failMode'>,
  cost: number,
  rates: readonly RatePolicy[],
  quotas: readonly QuotaPolicy[],
  concurrency: ConcurrencyPolicy | undefined,
): RequestLimits {
  const policies = [...rates, ...quotas, ...(concurrency === undefined ? [] : [concurrency])];
  return Object.freeze({
    ...settings,
    cost,
    rates,
    quotas,
    concurrency,
    policies,
    quotedNames: policies.map((p) => quoteName(p.name)!),
    policyHeader: policyHeader(policies),
  });
}
