import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { JWK, JWSHeaderParameters } from 'jose';
import type { AuditSink } from '../../audit/event.ts';
import type { Clock } from '../../clock.ts';
import { PortcullisError } from '../../errors.ts';
import type { ExpiryRegistry } from '../../observe/metrics/expiry.ts';
import type { IssuerKeys, KeyLookup, KeyStatus } from '../../pipeline/authenticate/issuer-keys.ts';
import type { StoreConfig } from '../../store/config.ts';
import type { SigningKeyRecord, SigningKeyState, SigningKeyStore } from '../../store/token-types.ts';
import type { Stores } from '../../store/types.ts';
import { createSealer, type Sealer } from '../secrets/envelope.ts';
import { loadMasterKey } from '../secrets/master-key.ts';
import { jwkThumbprint } from './jwk.ts';
import type { SigningPolicy } from './plan.ts';

/** How long relying parties may cache the JWKS (`Cache-Control: max-age`), in seconds. */
export const JWKS_MAX_AGE_SECONDS = 300;

/** A key as published in the JWKS, ready to verify with. */
export interface PublishedKey {
  readonly kid: string;
  readonly alg: string;
  readonly state: SigningKeyState;
  readonly jwk: JWK;
  readonly key: KeyObject;
  readonly retireAt: number | undefined;
}

/** The key that signs now. */
export interface ActiveKey {
  readonly kid: string;
  readonly alg: string;
  readonly privateKey: KeyObject;
}

export interface RotationResult {
  readonly previous: string;
  readonly current: string;
  readonly next: string;
}

export interface SigningKeyRingDeps {
  readonly store: SigningKeyStore;
  readonly sealer: Sealer;
  readonly clock: Clock;
  readonly audit: AuditSink;
  /** Who acts, for the audit trail. */
  readonly actor: string;
  /** Where the keys' scheduled ends are reported (`token-signing-current`, `token-signing-previous`). */
  readonly expiry?: ExpiryRegistry | undefined;
}

/**
 * The token service's signing keys, over a store that any number of processes share.
 * A key is published (state `next`) before it signs anything, signs while `current`, and
 * stays published as `previous` until every token it signed has expired. Private keys are
 * only ever stored sealed; each process opens the current one once.
 */
export class SigningKeyRing implements IssuerKeys {
  readonly #deps: SigningKeyRingDeps;
  #records: readonly SigningKeyRecord[] | undefined;
  #published = new Map<string, PublishedKey>();
  readonly #opened = new Map<string, KeyObject>();
  /** The policy last asked for, which says when the current key is due to rotate. */
  #policy: SigningPolicy | undefined;

  constructor(deps: SigningKeyRingDeps) {
    this.#deps = deps;
  }

  /** Creates the first keys (current and next) unless some exist. */
  ensure(policy: SigningPolicy): void {
    this.#policy = policy;
    this.#reportExpiry(this.#deps.store.list());
    if (this.#deps.store.list().some((k) => k.state === 'current')) return;
    const now = this.#deps.clock.now();
    const current = { ...this.#generate(policy, now), state: 'current' as const, activatedAt: now };
    const next = this.#generate(policy, now);
    if (!this.#deps.store.initialize(current, next)) return;
    for (const key of [current, next])
      this.#audit('signing_key.created', key.kid, { alg: key.alg, state: key.state });
    this.#reportExpiry(this.#deps.store.list());
  }

  /** The current key, after a scheduled rotation if one is due. */
  signingKey(policy: SigningPolicy): ActiveKey {
    this.#policy = policy;
    let current = this.#current();
    if (current === undefined) {
      this.ensure(policy);
      current = this.#current();
    }
    if (current === undefined) throw new PortcullisError('secret_unreadable', 'no signing key in the store');
    const now = this.#deps.clock.now();
    if ((current.activatedAt ?? now) + policy.rotateAfterMs <= now) {
      this.#rotate(policy, current, 'scheduled');
      current = this.#current() ?? current;
    }
    let privateKey = this.#opened.get(current.kid);
    if (privateKey === undefined) {
      const der = this.#deps.sealer.open(current.sealedPrivateKey, `signing-key:${current.kid}`);
      privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
      this.#opened.set(current.kid, privateKey);
    }
    return { kid: current.kid, alg: current.alg, privateKey };
  }

  /**
   * Rotates now: the next key (published since the last rotation) starts signing, the
   * current one stays published until its tokens expired, and a new next key is published.
   * Refused while the next key has been published for less than the JWKS cache lifetime,
   * unless `force`: relying parties could not know it yet.
   */
  rotate(policy: SigningPolicy, options: { force?: boolean } = {}): RotationResult {
    const current = this.#current();
    const next = this.#deps.store.list().find((k) => k.state === 'next');
    if (current === undefined || next === undefined) {
      throw new PortcullisError(
        'key_not_found',
        'there are no signing keys yet: start the gateway once first',
      );
    }
    const publishedFor = this.#deps.clock.now() - next.createdAt;
    if (!options.force && publishedFor < JWKS_MAX_AGE_SECONDS * 1000) {
      throw new PortcullisError(
        'key_invalid',
        `the next key ${next.kid} has been published for only ${Math.floor(publishedFor / 1000)} s; relying parties cache the JWKS for ${JWKS_MAX_AGE_SECONDS} s (use --force to rotate anyway)`,
      );
    }
    return this.#rotate(policy, current, 'on_demand');
  }

  /** A published (not yet retired) key by `kid`. */
  verificationKey(kid: string): PublishedKey | undefined {
    const key = this.#keys().get(kid);
    if (key === undefined || (key.retireAt !== undefined && key.retireAt <= this.#deps.clock.now()))
      return undefined;
    return key;
  }

  lookup(header: JWSHeaderParameters): KeyLookup {
    const key = header.kid === undefined ? undefined : this.verificationKey(header.kid);
    if (key === undefined) return { missing: 'no published signing key with this kid' };
    if (key.alg !== header.alg) return { missing: `signing key ${key.kid} is not an ${header.alg} key` };
    return { key: key.key };
  }

  status(kid: string | undefined): KeyStatus {
    return kid !== undefined && this.verificationKey(kid) !== undefined ? 'published' : 'removed';
  }

  /** The JWKS: every key not yet retired, next key included. */
  jwks(): { keys: JWK[] } {
    const now = this.#deps.clock.now();
    const keys: JWK[] = [];
    for (const key of this.#keys().values())
      if (key.retireAt === undefined || key.retireAt > now) keys.push(key.jwk);
    return { keys };
  }

  #current(): SigningKeyRecord | undefined {
    return this.#deps.store.list().find((k) => k.state === 'current');
  }

  #rotate(policy: SigningPolicy, current: SigningKeyRecord, reason: string): RotationResult {
    const now = this.#deps.clock.now();
    const next = this.#deps.store.list().find((k) => k.state === 'next');
    const newNext = this.#generate(policy, now);
    this.#deps.store.purge(now);
    if (
      next === undefined ||
      !this.#deps.store.rotate(current.kid, newNext, now, now + policy.retireAfterMs)
    ) {
      // Another process rotated first: report what it did.
      const latest = this.#deps.store.list();
      const kidIn = (state: SigningKeyState) => latest.find((k) => k.state === state)?.kid ?? '';
      return { previous: current.kid, current: kidIn('current'), next: kidIn('next') };
    }
    this.#audit('signing_key.rotated', next.kid, { previous: current.kid, next: newNext.kid, reason });
    return { previous: current.kid, current: next.kid, next: newNext.kid };
  }

  #keys(): ReadonlyMap<string, PublishedKey> {
    const records = this.#deps.store.list();
    if (records === this.#records) return this.#published;
    const published = new Map<string, PublishedKey>();
    for (const r of records) {
      published.set(r.kid, {
        kid: r.kid,
        alg: r.alg,
        state: r.state,
        jwk: r.publicJwk,
        key: this.#published.get(r.kid)?.key ?? createPublicKey({ key: r.publicJwk as never, format: 'jwk' }),
        retireAt: r.retireAt,
      });
    }
    this.#records = records;
    this.#published = published;
    this.#reportExpiry(records);
    return published;
  }

  /**
   * Reports when the current key is due to be replaced (a time in the past means a rotation
   * is overdue: nothing has asked for a signing key since) and when the last previous key
   * stops being published.
   */
  #reportExpiry(records: readonly SigningKeyRecord[]): void {
    const expiry = this.#deps.expiry;
    if (expiry === undefined) return;
    const current = records.find((k) => k.state === 'current');
    if (current?.activatedAt !== undefined && this.#policy !== undefined)
      expiry.set('key', 'token-signing-current', current.activatedAt + this.#policy.rotateAfterMs);
    const retiring = records.filter((k) => k.state === 'previous' && k.retireAt !== undefined);
    if (retiring.length === 0) expiry.delete('key', 'token-signing-previous');
    else expiry.set('key', 'token-signing-previous', Math.max(...retiring.map((k) => k.retireAt!)));
  }

  #generate(policy: SigningPolicy, now: number): SigningKeyRecord {
    const { publicKey, privateKey } =
      policy.algorithm === 'EdDSA'
        ? generateKeyPairSync('ed25519')
        : generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const exported = publicKey.export({ format: 'jwk' }) as JWK;
    const kid = jwkThumbprint(exported);
    const der = privateKey.export({ format: 'der', type: 'pkcs8' });
    return {
      kid,
      alg: policy.algorithm,
      state: 'next',
      publicJwk: { ...exported, kid, alg: policy.algorithm, use: 'sig' },
      sealedPrivateKey: this.#deps.sealer.seal(der, `signing-key:${kid}`),
      createdAt: now,
      activatedAt: undefined,
      retireAt: undefined,
    };
  }

  #audit(action: string, kid: string, details: Record<string, string>): void {
    this.#deps.audit.append({
      v: 1,
      kind: 'credential',
      action,
      at: this.#deps.clock.now(),
      actor: this.#deps.actor,
      subject: kid,
      details,
    });
  }
}

/** The key ring of a configuration's store, sealed with its master key (see `loadMasterKey`). */
export function openSigningKeyRing(
  plan: { readonly gateway: { readonly store: StoreConfig }; readonly dir: string },
  deps: {
    readonly stores: Stores;
    readonly clock: Clock;
    readonly actor: string;
    readonly expiry?: ExpiryRegistry | undefined;
  },
): SigningKeyRing {
  return new SigningKeyRing({
    store: deps.stores.signingKeys,
    sealer: createSealer(loadMasterKey(plan.gateway.store, plan.dir)),
    clock: deps.clock,
    audit: deps.stores.audit,
    actor: deps.actor,
    expiry: deps.expiry,
  });
}
