import Type from 'typebox';
import type { ConfigIssue } from '../../config/issues.ts';
import type { LoadedConfig } from '../../config/load.ts';
import { closed, Name } from '../../config/names.ts';
import type { OperationSpec } from '../../config/openapi.ts';
import { isTimeZone } from '../limit/calendar.ts';
import type { SchemaJson } from './cedar.ts';
import { type ContractPolicies, compileContractPolicies } from './contract-policies.ts';
import { compileOperatorPolicies, type PolicyMap } from './operator-policies.ts';
import { cedarSchema } from './schema.ts';
import { type SlicedPolicies, slicePolicies } from './slices.ts';
import { DAYS } from './time-window.ts';

/** RFC 6749 §3.3 scope-token. */
export const SCOPE_PATTERN = '^[\\x21\\x23-\\x5b\\x5d-\\x7e]+$';

const CLOCK = '^([01][0-9]|2[0-3]):[0-5][0-9]$';

/** A weekly window: local days and times at a fixed offset from UTC. */
export const TimeWindowSchema = Type.Object(
  {
    days: Type.Array(Type.Enum([...DAYS]), { minItems: 1, uniqueItems: true, default: [...DAYS] }),
    from: Type.String({ pattern: CLOCK, 'x-message': 'must be a time of day HH:MM (00:00 to 23:59)' }),
    to: Type.String({
      pattern: '^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$',
      'x-message': 'must be a time of day HH:MM (00:00 to 24:00)',
    }),
    /** A fixed offset (no daylight saving); `+00:00` when neither it nor `timeZone` is given. */
    utcOffset: Type.Optional(
      Type.String({
        pattern: '^[+-]([01][0-9]|2[0-3]):[0-5][0-9]$',
        'x-message': 'must be an offset from UTC like +02:00 or -05:30',
      }),
    ),
    /** An IANA time zone (`Europe/Paris`): the window follows its daylight saving. */
    timeZone: Type.Optional(Type.String({ minLength: 1 })),
  },
  closed,
);

/** Operations of one API that a contract grants, by OpenAPI operationId. */
export const GrantSchema = Type.Object(
  {
    api: Name,
    operations: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, uniqueItems: true }),
    /**
     * Scopes a scope-limited credential (an access token) must carry, all of them, to call
     * these operations. Credentials that carry no scopes (API keys) are limited by the
     * contract alone.
     */
    scopes: Type.Array(Type.String({ pattern: SCOPE_PATTERN, 'x-message': 'must be an OAuth scope token' }), {
      uniqueItems: true,
      default: [],
    }),
    /** Source networks (addresses or CIDRs) the client address must be in; none: any. */
    networks: Type.Array(Type.String({ minLength: 1 }), { uniqueItems: true, default: [] }),
    /** Whether the caller must have presented an mTLS client certificate. */
    mtlsRequired: Type.Boolean({ default: false }),
    /** Weekly windows in which the grant holds; none: at any time. */
    timeWindows: Type.Array(TimeWindowSchema, { default: [] }),
  },
  closed,
);

export type GrantConfig = Type.Static<typeof GrantSchema>;

/** For each partner, the operations its contract grants and the scopes each one requires. */
export type GrantTable = ReadonlyMap<string, ReadonlyMap<OperationSpec, readonly string[]>>;

export function compileGrants(loaded: LoadedConfig, issues: ConfigIssue[]): GrantTable {
  const table = new Map<string, Map<OperationSpec, readonly string[]>>();
  for (const contract of loaded.contracts.values()) {
    const granted = new Map<OperationSpec, readonly string[]>();
    table.set(contract.partner, granted);
    contract.config.grants.forEach((grant, i) => {
      const api = loaded.apis.get(grant.api);
      if (api === undefined) {
        const known = [...loaded.apis.keys()].join(', ') || 'none';
        issues.push(
          contract.source.issue(['grants', i, 'api'], `unknown API \`${grant.api}\` (configured: ${known})`),
        );
        return;
      }
      grant.operations.forEach((id, j) => {
        const operation = api.spec.operations.find((o) => o.id === id);
        if (operation === undefined) {
          issues.push(
            contract.source.issue(
              ['grants', i, 'operations', j],
              `API \`${grant.api}\` has no operation \`${id}\``,
            ),
          );
          return;
        }
        if (granted.has(operation)) {
          issues.push(
            contract.source.issue(
              ['grants', i, 'operations', j],
              `operation \`${id}\` is granted by more than one grant`,
            ),
          );
          return;
        }
        granted.set(operation, Object.freeze([...grant.scopes]));
      });
    });
  }
  return table;
}

/** `authorization` in `portcullis.yaml`: how the policy decision point behaves. */
export const AuthorizationSchema = Type.Object(
  {
    /** false: a denial is only recorded (`shadowDenials`) and the request passes. */
    enforced: Type.Boolean({ default: true }),
    /** What a 403 tells the partner: nothing more than its code, or the determining policy ids. */
    partnerReasons: Type.Enum(['none', 'policy-ids'], { default: 'none' }),
    cache: Type.Object(
      { maxEntries: Type.Integer({ minimum: 0, maximum: 10_000_000, default: 100_000 }) },
      { ...closed, default: {} },
    ),
  },
  { ...closed, default: {} },
);

export type AuthorizationConfig = Type.Static<typeof AuthorizationSchema>;

/** Everything the authorize stage needs, compiled and validated once per plan. */
export interface AuthorizationPlan {
  readonly settings: AuthorizationConfig;
  /** The Cedar schema generated from the APIs (`portcullis check --cedar-schema` prints it). */
  readonly schema: SchemaJson<string>;
  /** The policies in force: every contract's grants and the operators' files. */
  readonly live: SlicedPolicies;
  /** The candidate set evaluated beside the live one, when `policies/shadow/` has files. */
  readonly shadow: SlicedPolicies | undefined;
  /** Partner → action → the contract grant covering it (to explain a denial). */
  readonly grants: ContractPolicies['grants'];
  /** IANA zones whose local day and time every request context carries (`context.time.zones`). */
  readonly timeZones: readonly string[];
}

/**
 * Generates the Cedar schema, compiles the contracts' grants into policies, reads the
 * operators' policy files, validates all of them strictly, and slices the live and shadow
 * sets by partner.
 */
export function compileAuthorization(loaded: LoadedConfig, issues: ConfigIssue[]): AuthorizationPlan {
  const timeZones = timeZonesOf(loaded);
  const schema = cedarSchema(loaded.apis.values(), timeZones);
  const contracts = compileContractPolicies(loaded, schema, issues);
  const operators = compileOperatorPolicies(loaded.policyFiles, schema, issues);
  const union = (files: PolicyMap) => new Map([...contracts.policies, ...files]);
  return {
    settings: loaded.gateway.authorization,
    schema,
    live: slicePolicies(union(operators.live)),
    shadow: operators.candidate === undefined ? undefined : slicePolicies(union(operators.candidate)),
    grants: contracts.grants,
    timeZones,
  };
}

/** The valid IANA zones that contracts' time windows name, each once, sorted. */
function timeZonesOf(loaded: LoadedConfig): string[] {
  const zones = new Set<string>();
  for (const contract of loaded.contracts.values())
    for (const grant of contract.config.grants)
      for (const window of grant.timeWindows)
        if (window.timeZone !== undefined && isTimeZone(window.timeZone)) zones.add(window.timeZone);
  return [...zones].sort();
}
