import type { ConfigIssue } from '../../config/issues.ts';
import type { LoadedConfig } from '../../config/load.ts';
import type { SourceFile } from '../../config/source.ts';
import { parseCidr } from '../../http/forwarded.ts';
import { isTimeZone } from '../limit/calendar.ts';
import { type PolicyJson, type SchemaJson, type ValidationProblem, validateStrictly } from './cedar.ts';
import { contextReads } from './context-reads.ts';
import type { PolicyMap } from './operator-policies.ts';
import { ACTION_TYPE, ENTITY, operationAction, qualified } from './schema.ts';
import { type TimeWindow, type UtcDayRange, utcRanges } from './time-window.ts';

/** What one contract grant says, resolved against its API. */
export interface ResolvedGrant {
  readonly partner: string;
  readonly api: string;
  readonly operations: readonly string[];
  readonly scopes: readonly string[];
  readonly networks: readonly string[];
  readonly mtlsRequired: boolean;
  readonly timeWindows: readonly TimeWindow[];
}

/** The stable id of grant `index` of a partner's contract. */
export function grantPolicyId(partner: string, index: number): string {
  return `contract:${partner}:grant:${index}`;
}

type Expr = Record<string, unknown>;

const context: Expr = { Var: 'context' };
const attr = (left: Expr, name: string): Expr => ({ '.': { left, attr: name } });
const value = (v: unknown): Expr => ({ Value: v });
const and = (left: Expr, right: Expr): Expr => ({ '&&': { left, right } });
const or = (left: Expr, right: Expr): Expr => ({ '||': { left, right } });
const has = (name: string): Expr => ({ has: { left: context, attr: name } });
const time = attr(context, 'time');

/** True when `clock` (a `Time` or `LocalTime` record) falls in `range`. */
function inRange(clock: Expr, range: UtcDayRange): Expr {
  const minuteOfDay = attr(clock, 'minuteOfDay');
  let test: Expr = { contains: { left: { Set: range.days.map(value) }, right: attr(clock, 'day') } };
  if (range.start > 0) test = and(test, { '>=': { left: minuteOfDay, right: value(range.start) } });
  if (range.end < 1440) test = and(test, { '<': { left: minuteOfDay, right: value(range.end) } });
  return test;
}

/**
 * Windows at fixed offsets are tested on the UTC day and minute; a zone's windows on that
 * zone's local day and minute (`context.time.zones["Europe/Paris"]`), which follow its
 * daylight saving.
 */
function timeWindowsHold(windows: readonly TimeWindow[]): Expr {
  const tests = utcRanges(windows.filter((w) => w.timeZone === undefined)).map((r) => inRange(time, r));
  const zones = new Set(windows.flatMap((w) => (w.timeZone === undefined ? [] : [w.timeZone])));
  for (const zone of zones) {
    const local = windows.filter((w) => w.timeZone === zone).map((w) => ({ ...w, timeZone: undefined }));
    const clock = attr(attr(time, 'zones'), zone);
    for (const range of utcRanges(local)) tests.push(inRange(clock, range));
  }
  return tests.reduce(or);
}

/**
 * A grant as a Cedar `permit`: the partner's principals (its applications and their
 * users) may call the granted operations, when every condition of the grant holds. A
 * scope-limited credential must carry every scope; one without scopes (an API key) is
 * limited by the contract alone.
 */
export function grantPolicy(id: string, grant: ResolvedGrant): PolicyJson {
  const conditions: Expr[] = [];
  if (grant.scopes.length > 0) {
    conditions.push({
      'if-then-else': {
        if: has('scopes'),
        // biome-ignore lint/suspicious/noThenProperty: Cedar's policy JSON names the branch `then`.
        then: { containsAll: { left: attr(context, 'scopes'), right: { Set: grant.scopes.map(value) } } },
        else: value(true),
      },
    });
  }
  if (grant.networks.length > 0) {
    const inRange = grant.networks.map(
      (cidr): Expr => ({
        isInRange: [attr(context, 'clientIp'), { ip: [value(cidr)] }],
      }),
    );
    conditions.push(inRange.reduce(or));
  }
  if (grant.mtlsRequired) conditions.push(has('mtls'));
  if (grant.timeWindows.length > 0) conditions.push(timeWindowsHold(grant.timeWindows));
  return {
    effect: 'permit',
    principal: { op: 'in', entity: { type: qualified(ENTITY.partner), id: grant.partner } },
    action: {
      op: 'in',
      entities: grant.operations.map((op) => ({ type: ACTION_TYPE, id: operationAction(grant.api, op) })),
    },
    resource: { op: '==', entity: { type: qualified(ENTITY.api), id: grant.api } },
    conditions: conditions.map((body) => ({ kind: 'when', body })),
    annotations: { id },
  } as PolicyJson;
}

/** A contract's grant of one operation, for explaining a denial. */
export interface GrantRef {
  readonly policyId: string;
  readonly scopes: readonly string[];
}

export interface ContractPolicies {
  readonly policies: PolicyMap;
  /** Partner → action → the grant that covers it. */
  readonly grants: ReadonlyMap<string, ReadonlyMap<string, GrantRef>>;
}

/**
 * Compiles every contract's grants into `permit` policies and validates them against the
 * schema. Unknown APIs and operations are reported by `compileGrants`; here they are
 * skipped. Conditions are checked here: networks must be addresses or CIDRs, a time
 * window must not be empty.
 */
export function compileContractPolicies(
  loaded: LoadedConfig,
  schema: SchemaJson<string>,
  issues: ConfigIssue[],
): ContractPolicies {
  const policies = new Map<string, PolicyJson>();
  const grants = new Map<string, Map<string, GrantRef>>();
  const located = new Map<string, { source: SourceFile; index: number }>();
  for (const contract of loaded.contracts.values()) {
    const byAction = new Map<string, GrantRef>();
    grants.set(contract.partner, byAction);
    contract.config.grants.forEach((grant, index) => {
      const api = loaded.apis.get(grant.api);
      if (api === undefined) return;
      const at = (path: (string | number)[], message: string) =>
        issues.push(contract.source.issue(['grants', index, ...path], message));
      const before = issues.length;
      grant.networks.forEach((network, j) => {
        if (parseCidr(network) === undefined) at(['networks', j], 'must be an IP address or CIDR block');
      });
      grant.timeWindows.forEach((window, j) => {
        if (window.from === window.to) at(['timeWindows', j, 'to'], 'must differ from `from`');
        if (window.timeZone === undefined) return;
        if (window.utcOffset !== undefined)
          at(['timeWindows', j, 'timeZone'], 'give either `utcOffset` or `timeZone`, not both');
        else if (!isTimeZone(window.timeZone))
          at(['timeWindows', j, 'timeZone'], 'must be an IANA time zone like Europe/Paris');
      });
      if (issues.length > before) return;
      const id = grantPolicyId(contract.partner, index);
      const operations = grant.operations.filter((op) => api.spec.operations.some((o) => o.id === op));
      if (operations.length === 0) return;
      for (const op of operations)
        byAction.set(operationAction(grant.api, op), { policyId: id, scopes: grant.scopes });
      policies.set(id, grantPolicy(id, { partner: contract.partner, ...grant, operations }));
      located.set(id, { source: contract.source, index });
    });
  }
  for (const problem of validateByShape(schema, policies)) {
    const where = located.get(problem.policyId);
    const message = `the grant's Cedar policy is invalid: ${problem.message}`;
    issues.push(
      where === undefined
        ? loaded.gatewaySource.issue(['apis'], message)
        : where.source.issue(['grants', where.index], message),
    );
  }
  const compiled = new Map(
    [...policies].map(([id, json]) => [
      id,
      { cedar: json, principal: json.principal, reads: contextReads(json) },
    ]),
  );
  return { policies: compiled, grants };
}

/**
 * Strict validation of generated policies. Grants that differ only in their partner are
 * alike to the validator, so each shape is validated once (thousands of partners would
 * otherwise cost seconds per reload) and its verdict applied to every policy of that shape.
 */
function validateByShape(
  schema: SchemaJson<string>,
  policies: ReadonlyMap<string, PolicyJson>,
): ValidationProblem[] {
  const shapes = new Map<string, string[]>();
  const representatives: Record<string, PolicyJson> = {};
  for (const [id, policy] of policies) {
    const shape = JSON.stringify({ ...policy, principal: undefined, annotations: undefined });
    const ids = shapes.get(shape);
    if (ids !== undefined) ids.push(id);
    else {
      shapes.set(shape, [id]);
      representatives[id] = policy;
    }
  }
  if (Object.keys(representatives).length === 0) return [];
  const byRepresentative = new Map([...shapes.values()].map((ids) => [ids[0]!, ids]));
  return validateStrictly(schema, representatives).flatMap((problem) =>
    (byRepresentative.get(problem.policyId) ?? [problem.policyId]).map((policyId) => ({
      ...problem,
      policyId,
    })),
  );
}
