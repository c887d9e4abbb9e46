import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../../../src/config/issues.ts';
import { planWithLimits } from '../../support/limits.ts';

function issuesOf(limits: Record<string, unknown>, gatewayLimits?: Record<string, unknown>): string[] {
  try {
    planWithLimits(limits, gatewayLimits);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((i) => `${i.path}: ${i.message}`);
    throw error;
  }
  return [];
}

describe('limits configuration', () => {
  test('compiles every limit into RateLimit-Policy, in order rates, quotas, concurrency', () => {
    const plan = planWithLimits({
      rate: { limit: 100, window: '1m', burst: 20 },
      quotas: [{ limit: 1000, period: 'day', timeZone: 'Europe/Paris' }],
      concurrency: 5,
      operations: [{ api: 'pets', operations: ['createPet'], weight: 2, rate: { limit: 2 } }],
    });
    const acme = plan.limits.get('acme')!;
    assert.equal(
      acme.base.policyHeader,
      '"rate";q=100;w=60;portcullis-burst=20, "quota-day";q=1000;w=86400, "concurrency";q=5;qu="concurrent-requests"',
    );
    assert.deepEqual(
      acme.all.policies.map((p) => p.name),
      ['rate', 'rate-pets.createPet', 'quota-day', 'concurrency'],
    );
    assert.equal(acme.base.rates[0]!.emissionMs, 600);
    const create = [...acme.byOperation.values()][0]!;
    assert.equal(create.cost, 2);
  });

  test('a contract without limits, or with limits disabled, limits nothing', () => {
    assert.equal(planWithLimits({}).limits.size, 0);
    assert.equal(planWithLimits({ enabled: false, rate: { limit: 1 } }).limits.size, 0);
  });

  test('reports unknown time zones, repeated periods, unknown operations and heavy weights', () => {
    const issues = issuesOf({
      rate: { limit: 10, burst: 3 },
      quotas: [
        { limit: 10, period: 'day', timeZone: 'Europe/Parys' },
        { limit: 10, period: 'hour' },
        { limit: 20, period: 'hour' },
      ],
      operations: [
        { api: 'pets', operations: ['fetchPets'] },
        { api: 'cats', operations: ['listCats'] },
        { api: 'pets', operations: ['createPet'], weight: 5 },
        { api: 'pets', operations: ['createPet'] },
      ],
    });
    assert.deepEqual(issues, [
      'limits.quotas[0].timeZone: unknown IANA time zone `Europe/Parys`',
      'limits.quotas[2].period: more than one quota per hour',
      'limits.operations[0].operations[0]: API `pets` has no operation `fetchPets`',
      'limits.operations[1].api: unknown API `cats`',
      'limits.operations[2].weight: must not exceed any burst or quota it counts against',
      'limits.operations[3].operations[0]: operation `createPet` has limits set more than once',
    ]);
  });

  test('unknown keys are errors, with a hint for a misplaced limit', () => {
    assert.match(issuesOf({ rate: { limit: 1, brust: 2 } }).join('\n'), /unknown key `brust`/);
    assert.match(issuesOf({ rateLimit: 5 }).join('\n'), /renamed to `rate`/);
  });

  test('the redis store needs a URL', () => {
    assert.deepEqual(issuesOf({}, { store: 'redis' }), [
      'limits.store: the redis store needs `limits.redis.url`',
    ]);
    assert.deepEqual(issuesOf({}, { store: 'redis', redis: { url: 'redis://127.0.0.1:6379' } }), []);
  });
});
