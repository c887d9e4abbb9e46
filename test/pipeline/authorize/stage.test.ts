import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { contractFile } from '../../support/config.ts';
import { compileWith, deciderFor, WEDNESDAY_NOON_UTC } from './support.ts';

const ALL_BUT_DELETE = ['listPets', 'createPet', 'listMyPets', 'getPet', 'getFile'];
const HOUR = 3_600_000;

/** A contract for `acme` whose first grant is `grant` (on API pets). */
function acmeWith(grant: Record<string, unknown>) {
  return { 'contracts/acme.yaml': contractFile('acme', [], { grants: [{ api: 'pets', ...grant }] }) };
}

describe('authorisation decided by Cedar policies', () => {
  test('denies by default what no policy permits, naming the plan in the reason', (t) => {
    const plan = compileWith();
    const decide = deciderFor(plan, t);
    const denied = decide({ operation: 'deletePet' });
    assert.equal(denied.denial?.code, 'operation_not_granted');
    assert.match(denied.denial?.reason ?? '', new RegExp(`plan ${plan.version}`));
    assert.equal(decide({ identity: { partner: 'stranger' } }).denial?.code, 'operation_not_granted');
  });

  test('permits what the contract grants, traced to the grant policy', (t) => {
    const decide = deciderFor(compileWith(), t);
    const ex = decide({ operation: 'getPet' });
    assert.equal(ex.denial, undefined);
    assert.deepEqual(ex.authorization?.policies, ['contract:acme:grant:0']);
  });

  test('requires every scope of the grant from a scope-limited credential', (t) => {
    const decide = deciderFor(
      compileWith(acmeWith({ operations: ['createPet'], scopes: ['pets:write'] })),
      t,
    );
    const denied = decide({ operation: 'createPet', identity: { scopes: new Set(['pets:read']) } });
    assert.equal(denied.denial?.code, 'insufficient_scope');
    assert.equal(
      denied.denial?.headers?.['www-authenticate'],
      'Bearer error="insufficient_scope", scope="pets:write"',
    );
    assert.equal(
      decide({ operation: 'createPet', identity: { scopes: new Set(['pets:write', 'x']) } }).denial,
      undefined,
    );
    assert.equal(
      decide({ operation: 'createPet' }).denial,
      undefined,
      'an API key is limited by the contract alone',
    );
  });

  test('a forbid overrides the permit of the contract', (t) => {
    const decide = deciderFor(
      compileWith({
        'policies/no-create.cedar':
          '@id("no-create")\nforbid (principal, action == Portcullis::Action::"pets:createPet", resource);\n',
      }),
      t,
    );
    const denied = decide({ operation: 'createPet' });
    assert.equal(denied.denial?.code, 'operation_forbidden');
    assert.deepEqual(denied.authorization?.policies, ['file:policies/no-create.cedar:no-create']);
    assert.equal(denied.denial?.extensions, undefined, 'policy ids stay with the operator by default');
    assert.equal(decide({ operation: 'listPets' }).denial, undefined);
  });

  test('an end user acting through an application is held to the partner grants and to policies naming the user', (t) => {
    const decide = deciderFor(
      compileWith({
        'policies/no-mallory.cedar':
          '@id("no-mallory")\nforbid (principal == Portcullis::User::"acme/billing/mallory", action, resource);\n',
      }),
      t,
    );
    assert.equal(decide({ operation: 'getPet', identity: { user: 'alice' } }).denial, undefined);
    assert.equal(
      decide({ operation: 'deletePet', identity: { user: 'alice' } }).denial?.code,
      'operation_not_granted',
    );
    const denied = decide({ operation: 'getPet', identity: { user: 'mallory' } });
    assert.equal(denied.denial?.code, 'operation_forbidden');
    assert.deepEqual(denied.authorization?.policies, ['file:policies/no-mallory.cedar:no-mallory']);
    // The cached decision for one user is never served to another.
    assert.equal(decide({ operation: 'getPet', identity: { user: 'alice' } }).denial, undefined);
  });

  test('an operator permit can grant one application more than its contract does', (t) => {
    const decide = deciderFor(
      compileWith({
        'policies/cleanup.cedar':
          'permit (principal == Portcullis::Application::"acme/janitor", action == Portcullis::Action::"pets:deletePet", resource);',
      }),
      t,
    );
    const allowed = decide({ operation: 'deletePet', identity: { application: 'janitor' } });
    assert.equal(allowed.denial, undefined);
    assert.deepEqual(allowed.authorization?.policies, ['file:policies/cleanup.cedar:0']);
    assert.equal(decide({ operation: 'deletePet' }).denial?.code, 'operation_not_granted');
  });

  test('a time window holds only within its local hours, read from the injected clock', (t) => {
    const decide = deciderFor(
      compileWith(
        acmeWith({
          operations: ['listPets'],
          timeWindows: [
            { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00', utcOffset: '+02:00' },
            { days: ['sat'], from: '22:00', to: '02:00', utcOffset: '+00:00' },
          ],
        }),
      ),
      t,
    );
    const at = (ms: number) => decide({ at: ms }).denial?.code;
    assert.equal(at(WEDNESDAY_NOON_UTC), undefined, '14:00 at +02:00');
    assert.equal(at(WEDNESDAY_NOON_UTC - 5 * HOUR - 60_000), 'grant_conditions_unmet', '08:59 local');
    assert.equal(at(WEDNESDAY_NOON_UTC - 5 * HOUR), undefined, '09:00 local is 07:00 UTC');
    assert.equal(at(WEDNESDAY_NOON_UTC + 3 * HOUR - 60_000), undefined, '16:59 local');
    assert.equal(at(WEDNESDAY_NOON_UTC + 3 * HOUR), 'grant_conditions_unmet', '17:00 local is the end');
    const saturdayNoon = WEDNESDAY_NOON_UTC + 3 * 24 * HOUR;
    assert.equal(at(saturdayNoon), 'grant_conditions_unmet');
    assert.equal(at(saturdayNoon + 11 * HOUR), undefined, 'Saturday 23:00 UTC, in the overnight window');
    assert.equal(at(saturdayNoon + 13 * HOUR + 30 * 60_000), undefined, 'Sunday 01:30 UTC, still in it');
    assert.equal(at(saturdayNoon + 14 * HOUR), 'grant_conditions_unmet', 'Sunday 02:00 UTC');
  });

  test('a time window in an IANA zone follows its daylight saving', (t) => {
    const decide = deciderFor(
      compileWith(
        acmeWith({
          operations: ['listPets'],
          timeWindows: [
            {
              days: ['mon', 'tue', 'wed', 'thu', 'fri'],
              from: '09:00',
              to: '17:00',
              timeZone: 'Europe/Paris',
            },
            { days: ['sat'], from: '10:00', to: '12:00', timeZone: 'America/New_York' },
          ],
        }),
      ),
      t,
    );
    const at = (iso: string) => decide({ at: Date.parse(iso) }).denial?.code;
    // Winter: Paris is UTC+1.
    assert.equal(at('2026-01-07T07:59:00Z'), 'grant_conditions_unmet', '08:59 in Paris');
    assert.equal(at('2026-01-07T08:00:00Z'), undefined, '09:00 in Paris');
    assert.equal(at('2026-01-07T15:59:00Z'), undefined, '16:59 in Paris');
    assert.equal(at('2026-01-07T16:00:00Z'), 'grant_conditions_unmet', '17:00 in Paris');
    // Summer: Paris is UTC+2, so the same UTC times mean other local hours.
    assert.equal(at('2026-07-08T07:00:00Z'), undefined, '09:00 in Paris in July');
    assert.equal(at('2026-07-08T15:00:00Z'), 'grant_conditions_unmet', '17:00 in Paris in July');
    // Local day, not the UTC one: Saturday 10:30 in New York is Saturday 14:30 UTC in July.
    assert.equal(at('2026-07-11T14:30:00Z'), undefined, 'Saturday 10:30 in New York');
    assert.equal(at('2026-07-11T17:00:00Z'), 'grant_conditions_unmet', 'Saturday 13:00 in New York');
    assert.equal(at('2026-01-10T03:30:00Z'), 'grant_conditions_unmet', 'Friday 22:30 in New York');
  });

  test('a grant limited to source networks holds only for clients in them', (t) => {
    const decide = deciderFor(
      compileWith(
        acmeWith({ operations: ['listPets'], networks: ['10.0.0.0/8', '2001:db8::/32', '192.0.2.7'] }),
      ),
      t,
    );
    const from = (clientAddress: string) => decide({ clientAddress }).denial?.code;
    assert.equal(from('10.20.30.40'), undefined);
    assert.equal(from('2001:db8::1'), undefined);
    assert.equal(from('192.0.2.7'), undefined);
    assert.equal(from('192.0.2.8'), 'grant_conditions_unmet');
    assert.equal(from('11.0.0.1'), 'grant_conditions_unmet');
  });

  test('an operator forbid can pin callers to a network', (t) => {
    const decide = deciderFor(
      compileWith({
        'policies/internal.cedar':
          'forbid (principal, action in Portcullis::Action::"pets", resource)\nunless { context.clientIp.isInRange(ip("10.0.0.0/8")) };',
      }),
      t,
    );
    assert.equal(decide({ clientAddress: '10.1.1.1' }).denial, undefined);
    assert.equal(decide({ clientAddress: '203.0.113.9' }).denial?.code, 'operation_forbidden');
  });

  test('a grant that requires mTLS holds only with a client certificate', (t) => {
    const decide = deciderFor(compileWith(acmeWith({ operations: ['listPets'], mtlsRequired: true })), t);
    assert.equal(decide().denial?.code, 'grant_conditions_unmet');
    const certificate = {
      fingerprint: 'ab'.repeat(32),
      subject: 'CN=acme',
      spiffeId: 'spiffe://acme/billing',
    };
    assert.equal(decide({ identity: { certificate } }).denial, undefined);
  });

  test('policies see the payload data classes, the risk score and the certificate identity', (t) => {
    const decide = deciderFor(
      compileWith({
        'policies/data.cedar': [
          '@id("no-cards") forbid (principal, action, resource) when { context.dataClasses.contains("pii.card") };',
          '@id("risky") forbid (principal, action, resource) when { context.riskScore >= 80 };',
          '@id("spiffe") forbid (principal, action, resource)',
          '  when { context has mtls && context.mtls has spiffeId && context.mtls.spiffeId like "spiffe://evil/*" };',
        ].join('\n'),
      }),
      t,
    );
    assert.equal(decide({ dataClasses: new Set(['pii.email']) }).denial, undefined);
    assert.deepEqual(decide({ dataClasses: new Set(['pii.email', 'pii.card']) }).authorization?.policies, [
      'file:policies/data.cedar:no-cards',
    ]);
    assert.equal(decide({ riskScore: 79 }).denial, undefined);
    assert.equal(decide({ riskScore: 80 }).denial?.code, 'operation_forbidden');
    const certificate = { fingerprint: 'cd'.repeat(32), subject: 'CN=x', spiffeId: 'spiffe://evil/x' };
    assert.equal(decide({ identity: { certificate } }).denial?.code, 'operation_forbidden');
  });

  test('a policy that fails to evaluate denies the request instead of being skipped', (t) => {
    const decide = deciderFor(
      compileWith({
        'policies/overflow.cedar':
          '@id("overflow") forbid (principal, action, resource) when { context.time.epochSeconds * 9223372036854775807 > 0 };',
      }),
      t,
    );
    const ex = decide();
    assert.equal(ex.denial?.code, 'policy_evaluation_failed');
    assert.match(ex.authorization?.errors[0] ?? '', /^file:policies\/overflow\.cedar:overflow: /);
    assert.equal(decide.point.counters.evaluationErrors, 1);
  });

  test('shows partners the determining policy ids, and nothing else, when configured to', (t) => {
    const decide = deciderFor(
      compileWith(
        {
          'policies/no-create.cedar':
            '@id("no-create") forbid (principal, action == Portcullis::Action::"pets:createPet", resource);',
        },
        { authorization: { partnerReasons: 'policy-ids' } },
      ),
      t,
    );
    assert.deepEqual(decide({ operation: 'createPet' }).denial?.extensions, {
      policies: ['file:policies/no-create.cedar:no-create'],
    });
    assert.equal(decide({ operation: 'deletePet' }).denial?.extensions, undefined);
  });
});

describe('the decision cache', () => {
  test('answers a repeated request from the cache and counts hits and misses', (t) => {
    const decide = deciderFor(compileWith(), t);
    decide();
    decide();
    decide({ operation: 'deletePet' });
    assert.deepEqual(
      { hits: decide.point.counters.cacheHits, misses: decide.point.counters.cacheMisses },
      { hits: 1, misses: 2 },
    );
  });

  test('is keyed on every input the decision reads', (t) => {
    const decide = deciderFor(
      compileWith({
        ...acmeWith({ operations: ['listPets'], networks: ['10.0.0.0/8'], scopes: ['pets:read'] }),
        'policies/risk.cedar': 'forbid (principal, action, resource) when { context.riskScore > 50 };',
      }),
      t,
    );
    assert.equal(decide({ clientAddress: '10.0.0.1' }).denial, undefined);
    assert.equal(decide({ clientAddress: '11.0.0.1' }).denial?.code, 'grant_conditions_unmet');
    assert.equal(decide({ clientAddress: '10.0.0.1', riskScore: 60 }).denial?.code, 'operation_forbidden');
    assert.equal(
      decide({ clientAddress: '10.0.0.1', identity: { scopes: new Set() } }).denial?.code,
      'insufficient_scope',
    );
    assert.equal(
      decide({ clientAddress: '10.0.0.1', identity: { partner: 'other' } }).denial?.code,
      'operation_not_granted',
    );
    assert.equal(decide.point.counters.cacheHits, 0);
  });

  test('holds no more decisions than configured', (t) => {
    const decide = deciderFor(
      compileWith(acmeWith({ operations: ['listPets'], networks: ['10.0.0.0/8'] }), {
        authorization: { cache: { maxEntries: 2 } },
      }),
      t,
    );
    for (let i = 1; i <= 5; i++) decide({ clientAddress: `10.0.0.${i}` });
    assert.equal(decide.point.counters.cacheEntries, 2);
    decide({ clientAddress: '10.0.0.5' });
    assert.equal(decide.point.counters.cacheHits, 1);
  });

  test('is not split by inputs no policy of the caller reads', (t) => {
    const decide = deciderFor(compileWith(), t);
    decide({ clientAddress: '10.0.0.1', riskScore: 10, at: WEDNESDAY_NOON_UTC });
    decide({ clientAddress: '10.0.0.2', riskScore: 20, at: WEDNESDAY_NOON_UTC + HOUR });
    assert.deepEqual([decide.point.counters.cacheHits, decide.point.counters.cacheMisses], [1, 1]);
  });

  test('with no room, evaluates every request', (t) => {
    const decide = deciderFor(compileWith({}, { authorization: { cache: { maxEntries: 0 } } }), t);
    decide();
    decide();
    assert.deepEqual([decide.point.counters.cacheHits, decide.point.counters.cacheMisses], [0, 2]);
  });
});

describe('contracts without conditions', () => {
  test('keep their meaning: every granted operation, and nothing else', (t) => {
    const decide = deciderFor(compileWith(), t);
    for (const operation of ALL_BUT_DELETE) assert.equal(decide({ operation }).denial, undefined, operation);
    assert.equal(decide({ operation: 'deletePet' }).denial?.code, 'operation_not_granted');
  });
});
