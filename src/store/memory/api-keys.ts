import type { ApiKeyRecord, ApiKeyStore } from '../types.ts';

/** Keys held in process memory: for tests and for a gateway with no persistent state. */
export class MemoryApiKeyStore implements ApiKeyStore {
  readonly #keys = new Map<string, ApiKeyRecord>();

  insert(record: ApiKeyRecord): void {
    if (this.#keys.has(record.id)) throw new Error(`duplicate API key id ${record.id}`);
    this.#keys.set(record.id, record);
  }

  find(id: string): ApiKeyRecord | undefined {
    return this.#keys.get(id);
  }

  list(filter?: { partner?: string | undefined }): ApiKeyRecord[] {
    const all = [...this.#keys.values()];
    return filter?.partner === undefined ? all : all.filter((k) => k.partner === filter.partner);
  }

  revoke(id: string, at: number): boolean {
    const record = this.#keys.get(id);
    if (record === undefined || record.revokedAt !== undefined) return false;
    this.#keys.set(id, { ...record, revokedAt: at });
    return true;
  }
}
