import type { JWK } from 'jose';
import type { AuditSink } from '../../audit/event.ts';
import type { Clock } from '../../clock.ts';
import { PortcullisError } from '../../errors.ts';
import type { PartnerStatusStore } from '../../store/lifecycle-types.ts';
import type { ClientRecord, ClientStore } from '../../store/token-types.ts';
import { generateClientId, generateClientSecret } from './client-secret.ts';

export interface CreateClientRequest {
  readonly partner: string;
  readonly application?: string | undefined;
  readonly label?: string | undefined;
  /** Public keys for `private_key_jwt`; a client with keys gets no secret unless `secret` says so. */
  readonly keys?: readonly JWK[] | undefined;
  readonly secret?: boolean | undefined;
}

export interface ClientWithSecret {
  readonly record: ClientRecord;
  /** The secret itself: shown to the caller once, never kept. Undefined for a key-only client. */
  readonly secret: string | undefined;
}

export interface ClientService {
  create(request: CreateClientRequest): ClientWithSecret;
  /** A new secret; the old one stays valid for `overlapMs` (default 0: never again). */
  rotateSecret(id: string, overlapMs?: number): ClientWithSecret;
  registerKeys(id: string, keys: readonly JWK[]): ClientRecord;
  /** The client can no longer authenticate, and its live tokens stop working on the next request. */
  revoke(id: string): void;
  list(partner?: string): ClientRecord[];
}

export interface ClientServiceDeps {
  readonly store: ClientStore;
  readonly partners: PartnerStatusStore;
  readonly audit: AuditSink;
  readonly clock: Clock;
  /** Who is acting, for the audit trail (e.g. `cli:alice`). */
  readonly actor: string;
}

/**
 * Creates and manages OAuth2 clients of the token service. Every change is audited,
 * never with a secret.
 */
export function createClientService(deps: ClientServiceDeps): ClientService {
  const audit = (action: string, record: ClientRecord, details?: Record<string, string | number | null>) =>
    deps.audit.append({
      v: 1,
      kind: 'credential',
      action,
      at: deps.clock.now(),
      actor: deps.actor,
      partner: record.partner,
      subject: record.id,
      details,
    });

  const active = (id: string): ClientRecord => {
    const record = deps.store.find(id);
    if (record === undefined || record.revokedAt !== undefined) {
      throw new PortcullisError('client_not_found', `no active client with id ${id}`);
    }
    return record;
  };

  return {
    create(request) {
      if (deps.partners.get(request.partner)?.status === 'decommissioned') {
        throw new PortcullisError('partner_state', `partner ${request.partner} is decommissioned`);
      }
      const keys = request.keys ?? [];
      const generated = (request.secret ?? keys.length === 0) ? generateClientSecret() : undefined;
      const record: ClientRecord = {
        id: generateClientId(),
        partner: request.partner,
        application: request.application ?? 'default',
        label: request.label,
        secretSha256: generated?.sha256,
        previousSecretSha256: undefined,
        previousSecretExpiresAt: undefined,
        keys,
        createdAt: deps.clock.now(),
        revokedAt: undefined,
      };
      deps.store.insert(record);
      audit('client.created', record, {
        application: record.application,
        secret: generated === undefined ? 'none' : 'issued',
        keys: keys.length,
      });
      return { record, secret: generated?.secret };
    },
    rotateSecret(id, overlapMs = 0) {
      const old = active(id);
      const generated = generateClientSecret();
      const now = deps.clock.now();
      const record: ClientRecord = {
        ...old,
        secretSha256: generated.sha256,
        previousSecretSha256: overlapMs > 0 ? old.secretSha256 : undefined,
        previousSecretExpiresAt:
          overlapMs > 0 && old.secretSha256 !== undefined ? now + overlapMs : undefined,
      };
      deps.store.update(record);
      audit('client.secret_rotated', record, {
        previous_valid_until: record.previousSecretExpiresAt ?? null,
      });
      return { record, secret: generated.secret };
    },
    registerKeys(id, keys) {
      const old = active(id);
      const known = new Set(old.keys.map((k) => k.kid));
      const duplicate = keys.find((k) => known.has(k.kid));
      if (duplicate !== undefined)
        throw new PortcullisError('key_invalid', `key ${duplicate.kid} is already registered`);
      const record: ClientRecord = { ...old, keys: [...old.keys, ...keys] };
      deps.store.update(record);
      audit('client.key_registered', record, { kids: keys.map((k) => k.kid).join(' ') });
      return record;
    },
    revoke(id) {
      const record = active(id);
      deps.store.revoke(id, deps.clock.now());
      audit('client.revoked', record);
    },
    list: (partner) => deps.store.list({ partner }),
  };
}
