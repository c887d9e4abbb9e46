import type { PartnerRecord, PartnerStatusStore, RevocationStore, RevokedToken } from '../lifecycle-types.ts';

/** Partner status held in process memory: for tests and a gateway with no persistent state. */
export class MemoryPartnerStatusStore implements PartnerStatusStore {
  readonly #records = new Map<string, PartnerRecord>();

  get(partner: string): PartnerRecord | undefined {
    return this.#records.get(partner);
  }

  set(record: PartnerRecord): void {
    this.#records.set(record.partner, record);
  }

  list(): PartnerRecord[] {
    return [...this.#records.values()].sort((a, b) => a.partner.localeCompare(b.partner));
  }
}

/** Revoked tokens held in process memory, forgotten once expired. */
export class MemoryRevocationStore implements RevocationStore {
  readonly #revoked = new Map<string, number>();

  revoke(token: RevokedToken): void {
    for (const [jti, expiresAt] of this.#revoked) if (expiresAt <= token.revokedAt) this.#revoked.delete(jti);
    this.#revoked.set(token.jti, token.expiresAt);
  }

  isRevoked(jti: string): boolean {
    return this.#revoked.has(jti);
  }
}
