import Type from 'typebox';
import { Value } from 'typebox/value';
import type { LoadedConfig } from '../config/load.ts';
import { closed } from '../config/names.ts';

/** `audit` in portcullis.yaml: where the tamper-evident log lives and how it is written. */
export const AuditSchema = Type.Object(
  {
    /** Which request decisions are logged: every one (default), denials only, or none. */
    decisions: Type.Enum(['all', 'denied', 'none'], { default: 'all' }),
    /** SQLite file of the log, relative to the configuration directory (with `store.kind: sqlite`). */
    path: Type.String({ minLength: 1, default: 'data/audit.db' }),
    /** Keep the log in PostgreSQL instead: one log shared by every instance. */
    postgres: Type.Optional(
      Type.Object(
        {
          /** `postgres://user@host:port/db`; a password is best given as PGPASSWORD. */
          url: Type.String({ pattern: '^postgres(ql)?://', 'x-message': 'must be a postgres:// URL' }),
          connections: Type.Integer({ minimum: 1, maximum: 100, default: 4 }),
        },
        closed,
      ),
    ),
    /** Ed25519 private key (PKCS#8 PEM) that signs heads; created with its `.pub.pem` if missing. */
    signingKey: Type.String({ minLength: 1, default: 'data/audit-signing-key.pem' }),
    /** More public keys whose heads `audit verify` accepts (a rotated key, other instances' keys). */
    trustedKeys: Type.Array(Type.String({ minLength: 1 }), { default: [] }),
    /** Every signed head is also appended here, outside the store. */
    witness: Type.String({ minLength: 1, default: 'data/audit-witness.jsonl' }),
    heads: Type.Object(
      {
        everyEvents: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1000 }),
        everyMs: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 10_000 }),
      },
      { ...closed, default: {} },
    ),
    /** Events held in memory while the store cannot take them; past it requests fail closed. */
    buffer: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 10_000 }),
    /** Events written in one transaction at most. */
    maxBatch: Type.Integer({ minimum: 1, maximum: 100_000, default: 2000 }),
    /** Least time between two commits: a busy gateway gathers more events per transaction. */
    commitWindowMs: Type.Number({ minimum: 0, maximum: 1000, default: 0 }),
    /** fsync each SQLite commit, so committed events also survive a power cut, not only a crash. */
    fsync: Type.Boolean({ default: false }),
  },
  { ...closed, default: {} },
);

export type AuditConfig = Type.Static<typeof AuditSchema>;

/** The settings of an `audit` section left empty. */
export const DEFAULT_AUDIT_CONFIG = Value.Default(AuditSchema, {}) as AuditConfig;

/** `audit` in a contract. */
export const ContractAuditSchema = Type.Object(
  {
    /**
     * Serve this partner's requests even when the audit log cannot take their events
     * (each one counted and logged). Default false: 503 `audit_unavailable`.
     */
    failOpen: Type.Boolean({ default: false }),
  },
  { ...closed, default: {} },
);

/** What the request path needs from the audit configuration, compiled once per plan. */
export interface AuditPlan {
  readonly decisions: AuditConfig['decisions'];
  /** Partners whose contract serves requests the log cannot take. */
  readonly failOpen: ReadonlySet<string>;
}

export function compileAudit(loaded: LoadedConfig): AuditPlan {
  const failOpen = new Set<string>();
  for (const contract of loaded.contracts.values()) {
    if (contract.config.audit.failOpen) failOpen.add(contract.partner);
  }
  return { decisions: loaded.gateway.audit.decisions, failOpen };
}
