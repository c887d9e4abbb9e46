import type { Calendar } from './calendar.ts';

export type LimitKind = 'rate' | 'quota' | 'concurrency';

/** What a store does for a partner whose contract's limits it cannot reach. */
export type FailMode = 'closed' | 'local';

interface PolicyBase {
  /** Name in the `RateLimit-Policy` / `RateLimit` fields and the usage endpoint. */
  readonly name: string;
  /** Store key of this limit's state: stable across reloads, unique per partner and limit. */
  readonly key: string;
  readonly limit: number;
}

/** Rate with burst (GCRA), for a partner or one of its operations. */
export interface RatePolicy extends PolicyBase {
  readonly kind: 'rate';
  readonly windowSeconds: number;
  readonly burst: number;
  /** Milliseconds per unit at the nominal rate. */
  readonly emissionMs: number;
  /** `burst × emissionMs`: how far ahead of time a partner may run. */
  readonly toleranceMs: number;
  /** `api.operationId` for an operation's own rate; undefined for the partner's. */
  readonly operation: string | undefined;
}

/** Units per calendar period in a time zone. */
export interface QuotaPolicy extends PolicyBase {
  readonly kind: 'quota';
  readonly calendar: Calendar;
}

/** Requests in flight at once. */
export interface ConcurrencyPolicy extends PolicyBase {
  readonly kind: 'concurrency';
}

export type LimitPolicy = RatePolicy | QuotaPolicy | ConcurrencyPolicy;

/**
 * Everything one request is held to, compiled once per partner and operation. The store
 * reports on `policies` in this order: rates, then quotas, then concurrency.
 */
export interface RequestLimits {
  readonly partner: string;
  /** Units this request consumes from every rate and quota (its operation's weight). */
  readonly cost: number;
  readonly rates: readonly RatePolicy[];
  readonly quotas: readonly QuotaPolicy[];
  readonly concurrency: ConcurrencyPolicy | undefined;
  readonly policies: readonly LimitPolicy[];
  /** Each policy's name as a structured-field string (quoted), in `policies` order. */
  readonly quotedNames: readonly string[];
  /** The `RateLimit-Policy` field value, built once. */
  readonly policyHeader: string;
  /** False: a dry run that records what it would refuse and lets the request pass. */
  readonly enforced: boolean;
  readonly failMode: FailMode;
}

/** A partner's limits: per operation where the contract says more, else the partner's own. */
export interface PartnerLimits {
  readonly partner: string;
  readonly base: RequestLimits;
  /** Keyed by the operation's spec object from the plan's OpenAPI documents. */
  readonly byOperation: ReadonlyMap<object, RequestLimits>;
  /** Every policy of the partner with cost 0: what the usage endpoint and metrics report. */
  readonly all: RequestLimits;
}

/** Partners whose contract sets any limit. */
export type LimitTable = ReadonlyMap<string, PartnerLimits>;
