import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { preparsePolicySet, preparseSchema, statefulIsAuthorized } from '@cedar-policy/cedar-wasm/nodejs';
import type { RuntimePlan } from '../../../src/config/plan.ts';
import { cedarRequest } from '../../../src/pipeline/authorize/request.ts';
import { contractFile } from '../../support/config.ts';
import { compileWith, deciderFor, exchange, type RequestFacts } from './support.ts';

/** A small seeded generator (mulberry32): the same seed, the same cases. */
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const some = <T>(xs: readonly T[]): T[] => xs.filter(() => next() < 0.4);
  return { next, int, pick, some };
}
type Random = ReturnType<typeof random>;

const OPERATIONS = ['listPets', 'createPet', 'listMyPets', 'getPet', 'deletePet', 'getFile'];
const PARTNERS = ['p0', 'p1', 'p2', 'p3', 'p4'];
const CALLERS = [...PARTNERS, 'ghost', 'stranger'];
const APPLICATIONS = ['app0', 'app1'];
const SCOPES = ['a', 'b', 'c'];
const NETWORKS = ['10.0.0.0/8', '10.1.0.0/16', '192.0.2.0/24', '2001:db8::/32'];
const ADDRESSES = ['10.1.2.3', '10.2.0.1', '192.0.2.10', '198.51.100.1', '2001:db8::5', '::1'];
const DATA_CLASSES = ['pii.email', 'pii.card', 'secret'];
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

function grantsFor(r: Random) {
  const free = [...OPERATIONS];
  const grants = [];
  for (let g = r.int(4); g > 0 && free.length > 0; g--) {
    const operations = [free.splice(r.int(free.length), 1)[0]!, ...r.some(free)];
    for (const op of operations) free.splice(free.indexOf(op), 1);
    const from = r.int(24);
    grants.push({
      api: 'pets',
      operations: operations.filter((op, i) => operations.indexOf(op) === i),
      scopes: r.some(SCOPES),
      networks: r.next() < 0.3 ? r.some(NETWORKS) : [],
      mtlsRequired: r.next() < 0.2,
      timeWindows:
        r.next() < 0.3
          ? [
              {
                days: [r.pick(DAYS)],
                from: `${String(from).padStart(2, '0')}:00`,
                to: `${String((from + 1 + r.int(20)) % 24).padStart(2, '0')}:30`,
                utcOffset: r.pick(['+00:00', '+05:30', '-08:00']),
              },
            ]
          : [],
    });
  }
  return grants;
}

function principalScope(r: Random): string {
  const partner = r.pick([...PARTNERS, 'ghost']);
  return r.pick([
    'principal',
    `principal in Portcullis::Partner::"${partner}"`,
    `principal == Portcullis::Application::"${partner}/${r.pick(APPLICATIONS)}"`,
    `principal in Portcullis::Application::"${partner}/${r.pick(APPLICATIONS)}"`,
    'principal is Portcullis::Application',
    `principal is Portcullis::Application in Portcullis::Partner::"${partner}"`,
    'principal == Portcullis::Application::"no-slash"',
  ]);
}

function actionScope(r: Random): string {
  const action = (op: string) => `Portcullis::Action::"pets:${op}"`;
  return r.pick([
    'action',
    `action == ${action(r.pick(OPERATIONS))}`,
    'action in Portcullis::Action::"pets"',
    `action in [${[r.pick(OPERATIONS), r.pick(OPERATIONS)].map(action).join(', ')}]`,
  ]);
}

function condition(r: Random): string {
  return r.pick([
    '',
    ` when { context.riskScore > ${r.int(100)} }`,
    ` unless { context.clientIp.isInRange(ip("${r.pick(NETWORKS)}")) }`,
    ` when { context.dataClasses.contains("${r.pick(DATA_CLASSES)}") }`,
    ` when { context has scopes && context.scopes.contains("${r.pick(SCOPES)}") }`,
    ` when { context.time.minuteOfDay < ${r.int(1440)} }`,
    ' when { context has mtls }',
    ` when { context.riskScore * ${r.pick(['2', '4611686018427387904'])} > 0 }`,
  ]);
}

function operatorPolicies(r: Random): string {
  const lines = [];
  for (let n = r.int(9); n > 0; n--) {
    lines.push(
      `${r.pick(['permit', 'forbid'])} (${principalScope(r)}, ${actionScope(r)}, resource)${condition(r)};`,
    );
  }
  return lines.join('\n');
}

function requestFor(r: Random): RequestFacts {
  return {
    operation: r.pick(OPERATIONS),
    clientAddress: r.pick(ADDRESSES),
    at: Date.UTC(2026, 0, 5 + r.int(7), r.int(24), r.int(60)),
    riskScore: r.int(100),
    dataClasses: new Set(r.some(DATA_CLASSES)),
    identity: {
      partner: r.pick(CALLERS),
      application: r.pick(APPLICATIONS),
      scopes: r.next() < 0.5 ? undefined : new Set(r.some(SCOPES)),
      certificate: r.next() < 0.3 ? { fingerprint: 'ff'.repeat(32), subject: 'CN=x' } : undefined,
    },
  };
}

/**
 * Cedar's own answer over the whole policy set, with the action hierarchy from the schema
 * and the request checked against it: neither our slices nor our action entities.
 */
function wholeSetAnswer(seed: number, facts: RequestFacts) {
  const request = cedarRequest(exchange(facts), `pets:${facts.operation}`);
  const answer = statefulIsAuthorized({
    principal: request.principal,
    action: request.action,
    resource: request.resource,
    context: request.context,
    preparsedSchemaName: `whole-${seed}`,
    validateRequest: true,
    preparsedPolicySetId: `whole-${seed}`,
    entities: request.entities.slice(0, 1),
  });
  assert.equal(answer.type, 'success', JSON.stringify(answer));
  if (answer.type !== 'success') throw new Error('unreachable');
  return answer.response;
}

function preparseWholeSet(seed: number, plan: RuntimePlan): void {
  preparseSchema(`whole-${seed}`, plan.authorization.schema);
  const policies = Object.fromEntries([...plan.authorization.live.policies].map(([id, p]) => [id, p.cedar]));
  preparsePolicySet(`whole-${seed}`, { staticPolicies: policies });
}

describe('slicing the policy set by partner', () => {
  test('gives the same decisions, reasons and errors as evaluating the whole set', (t) => {
    let compared = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const r = random(seed);
      const files: Record<string, unknown> = { 'policies/ops.cedar': operatorPolicies(r) };
      for (const partner of PARTNERS) {
        files[`contracts/${partner}.yaml`] = contractFile(partner, [], { grants: grantsFor(r) });
      }
      const plan = compileWith(files);
      preparseWholeSet(seed, plan);
      const decide = deciderFor(plan, t);
      for (let i = 0; i < 60; i++) {
        const facts = requestFor(r);
        const whole = wholeSetAnswer(seed, facts);
        const sliced = decide(facts).authorization!;
        const context = `seed ${seed} request ${i}: ${JSON.stringify(facts, (_k, v) => (v instanceof Set ? [...v] : v))}`;
        const wholeAllows = whole.decision === 'allow' && whole.diagnostics.errors.length === 0;
        assert.equal(sliced.allowed, wholeAllows, context);
        assert.equal(sliced.errors.length, whole.diagnostics.errors.length, context);
        for (const { policyId } of whole.diagnostics.errors) {
          assert.ok(
            sliced.errors.some((e) => e.startsWith(`${policyId}: `)),
            context,
          );
        }
        if (whole.diagnostics.reason.length > 0 && whole.diagnostics.errors.length === 0) {
          assert.deepEqual([...sliced.policies].sort(), [...whole.diagnostics.reason].sort(), context);
        }
        compared++;
      }
    }
    assert.equal(compared, 30 * 60);
  });
});
