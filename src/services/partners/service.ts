import type { AuditSink } from '../../audit/event.ts';
import type { Clock } from '../../clock.ts';
import { PortcullisError } from '../../errors.ts';
import type { PartnerRecord, PartnerStatus, PartnerStatusStore } from '../../store/lifecycle-types.ts';
import type { ClientStore } from '../../store/token-types.ts';
import type { ApiKeyStore } from '../../store/types.ts';

export interface PartnerService {
  /** Records a partner (defined by its contract) as active. */
  create(partner: string, reason?: string): PartnerRecord;
  /** Every credential of the partner is refused until it is resumed. */
  suspend(partner: string, reason?: string): PartnerRecord;
  resume(partner: string, reason?: string): PartnerRecord;
  /**
   * Final: revokes every API key and client of the partner in the store; its tokens and
   * declared keys are refused from the next request on, because its status is checked on
   * every request.
   */
  decommission(partner: string, reason?: string): { record: PartnerRecord; apiKeys: number; clients: number };
  status(partner: string): PartnerStatus;
  list(): PartnerRecord[];
}

export interface PartnerServiceDeps {
  readonly partners: PartnerStatusStore;
  readonly apiKeys: ApiKeyStore;
  readonly clients: ClientStore;
  readonly audit: AuditSink;
  readonly clock: Clock;
  readonly actor: string;
}

/** Which status each lifecycle action may start from. */
const ALLOWED_FROM: Readonly<Record<string, readonly (PartnerStatus | 'none')[]>> = {
  created: ['none'],
  suspended: ['none', 'active'],
  resumed: ['suspended'],
  decommissioned: ['none', 'active', 'suspended'],
};

/** Partners' lifecycle. Every change is audited; each takes effect on the next request everywhere. */
export function createPartnerService(deps: PartnerServiceDeps): PartnerService {
  function change(
    partner: string,
    action: string,
    status: PartnerStatus,
    reason: string | undefined,
  ): PartnerRecord {
    const current = deps.partners.get(partner)?.status ?? 'none';
    if (!ALLOWED_FROM[action]!.includes(current)) {
      throw new PortcullisError(
        'partner_state',
        `partner ${partner} is ${current === 'none' ? 'not recorded yet' : current}; it cannot be ${action}`,
      );
    }
    const record: PartnerRecord = { partner, status, changedAt: deps.clock.now(), reason };
    deps.partners.set(record);
    deps.audit.append({
      v: 1,
      kind: 'admin',
      action: `partner.${action}`,
      at: record.changedAt,
      actor: deps.actor,
      partner,
      subject: partner,
      details: { from: current, to: status, ...(reason === undefined ? {} : { reason }) },
    });
    return record;
  }

  return {
    create: (partner, reason) => change(partner, 'created', 'active', reason),
    suspend: (partner, reason) => change(partner, 'suspended', 'suspended', reason),
    resume: (partner, reason) => change(partner, 'resumed', 'active', reason),
    decommission(partner, reason) {
      const record = change(partner, 'decommissioned', 'decommissioned', reason);
      const now = deps.clock.now();
      let apiKeys = 0;
      for (const key of deps.apiKeys.list({ partner })) if (deps.apiKeys.revoke(key.id, now)) apiKeys++;
      let clients = 0;
      for (const client of deps.clients.list({ partner })) if (deps.clients.revoke(client.id, now)) clients++;
      deps.audit.append({
        v: 1,
        kind: 'credential',
        action: 'partner.credentials_revoked',
        at: now,
        actor: deps.actor,
        partner,
        subject: partner,
        details: { api_keys: apiKeys, clients },
      });
      return { record, apiKeys, clients };
    },
    status: (partner) => deps.partners.get(partner)?.status ?? 'active',
    list: () => deps.partners.list(),
  };
}
