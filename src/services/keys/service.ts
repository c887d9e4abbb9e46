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

/** Issues, lists and revokes API keys; several active keys per partner allow overlap on rotation. */
export function createKeyService(deps: { readonly store: ApiKeyStore; readonly clock: Clock }): KeyService {
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
      return { record, key: generated.key };
    },
    list: (partner) => deps.store.list({ partner }),
    revoke(id) {
      if (!deps.store.revoke(id, deps.clock.now())) {
        throw new PortcullisError('key_not_found', `no active API key with id ${id}`);
      }
    },
  };
}
