import type { AuditSink } from '../../audit/event.ts';
import type { Clock } from '../../clock.ts';
import { PortcullisError } from '../../errors.ts';
import type { ApiKeyRecord, ApiKeyStore } from '../../store/types.ts';
import { generateApiKey } from './format.ts';

export interface IssueKeyRequest {
  readonly partner: string;
  readonly application?: string | undefined;
  readonly label?: string | undefined;
  /** Lifetime in milliseconds; none means the key lives until revoked. */
  readonly ttlMs?: number | undefined;
}

export interface IssuedKey {
  readonly record: ApiKeyRecord;
  /** The key itself: shown to the caller once and never kept. */
  readonly key: string;
}

export interface KeyService {
  issue(request: IssueKeyRequest): IssuedKey;
  list(partner?: string): ApiKeyRecord[];
  revoke(id: string): void;
}

export interface KeyServiceDeps {
  readonly store: ApiKeyStore;
  readonly audit: AuditSink;
  readonly clock: Clock;
  /** Who is acting, for the audit trail (e.g. `cli:alice`). */
  readonly actor: string;
}

/**
 * Issues, lists and revokes API keys; several active keys per partner allow overlap on
 * rotation. Every change is audited (never with the key itself).
 */
export function createKeyService(deps: KeyServiceDeps): KeyService {
  return {
    issue(request) {
      const now = deps.clock.now();
      const generated = generateApiKey();
      const record: ApiKeyRecord = {
        id: generated.id,
        partner: request.partner,
        application: request.application ?? 'default',
        sha256: generated.sha256,
        label: request.label,
        createdAt: now,
        expiresAt: request.ttlMs === undefined ? undefined : now + request.ttlMs,
        revokedAt: undefined,
      };
      deps.store.insert(record);
      deps.audit.append({
        v: 1,
        kind: 'credential',
        action: 'api_key.issued',
        at: now,
        actor: deps.actor,
        partner: record.partner,
        subject: record.id,
        details: { application: record.application, expires_at: record.expiresAt ?? null },
      });
      return { record, key: generated.key };
    },
    list: (partner) => deps.store.list({ partner }),
    revoke(id) {
      const now = deps.clock.now();
      const record = deps.store.find(id);
      if (record === undefined || !deps.store.revoke(id, now)) {
        throw new PortcullisError('key_not_found', `no active API key with id ${id}`);
      }
      deps.audit.append({
        v: 1,
        kind: 'credential',
        action: 'api_key.revoked',
        at: now,
        actor: deps.actor,
        partner: record.partner,
        subject: id,
      });
    },
  };
}
