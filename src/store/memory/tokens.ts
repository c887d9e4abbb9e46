import type {
  AssertionReplayStore,
  ClientRecord,
  ClientStore,
  SigningKeyRecord,
  SigningKeyStore,
} from '../token-types.ts';

/** Clients held in process memory. */
export class MemoryClientStore implements ClientStore {
  readonly #clients = new Map<string, ClientRecord>();

  insert(record: ClientRecord): void {
    if (this.#clients.has(record.id)) throw new Error(`duplicate client id ${record.id}`);
    this.#clients.set(record.id, record);
  }

  find(id: string): ClientRecord | undefined {
    return this.#clients.get(id);
  }

  list(filter?: { partner?: string | undefined }): ClientRecord[] {
    const all = [...this.#clients.values()];
    return filter?.partner === undefined ? all : all.filter((c) => c.partner === filter.partner);
  }

  update(record: ClientRecord): void {
    const old = this.#clients.get(record.id);
    if (old === undefined) return;
    this.#clients.set(record.id, {
      ...old,
      secretSha256: record.secretSha256,
      previousSecretSha256: record.previousSecretSha256,
      previousSecretExpiresAt: record.previousSecretExpiresAt,
      keys: record.keys,
    });
  }

  revoke(id: string, at: number): boolean {
    const record = this.#clients.get(id);
    if (record === undefined || record.revokedAt !== undefined) return false;
    this.#clients.set(id, { ...record, revokedAt: at });
    return true;
  }
}

/** Signing keys held in process memory (they die with the process). */
export class MemorySigningKeyStore implements SigningKeyStore {
  #keys: readonly SigningKeyRecord[] = [];

  list(): readonly SigningKeyRecord[] {
    return this.#keys;
  }

  initialize(current: SigningKeyRecord, next: SigningKeyRecord): boolean {
    if (this.#keys.length > 0) return false;
    this.#keys = [current, next];
    return true;
  }

  rotate(expectedCurrent: string, newNext: SigningKeyRecord, at: number, retireAt: number): boolean {
    if (this.#keys.find((k) => k.state === 'current')?.kid !== expectedCurrent) return false;
    this.#keys = [
      ...this.#keys.map((k): SigningKeyRecord => {
        if (k.state === 'current') return { ...k, state: 'previous', retireAt };
        if (k.state === 'next') return { ...k, state: 'current', activatedAt: at };
        return k;
      }),
      newNext,
    ];
    return true;
  }

  purge(now: number): void {
    this.#keys = this.#keys.filter((k) => k.state !== 'previous' || (k.retireAt ?? 0) > now);
  }
}

/** Used client assertion ids held in process memory. */
export class MemoryAssertionReplayStore implements AssertionReplayStore {
  readonly #used = new Map<string, number>();

  remember(clientId: string, jti: string, expiresAt: number, now: number): boolean {
    for (const [key, expiry] of this.#used) if (expiry <= now) this.#used.delete(key);
    const key = `${clientId}\0${jti}`;
    if (this.#used.has(key)) return false;
    this.#used.set(key, expiresAt);
    return true;
  }
}
