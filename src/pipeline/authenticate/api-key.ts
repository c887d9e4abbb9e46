import { hash, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../clock.ts';
import { apiKeyId } from '../../services/keys/format.ts';
import type { ApiKeyRecord, ApiKeyStore } from '../../store/types.ts';
import type { Exchange } from '../exchange.ts';
import type { Identity } from '../identity.ts';
import { type Denial, deny } from '../stage.ts';
import type { Authenticator } from './authenticator.ts';
import type { AuthenticationPlan } from './config.ts';

const SCHEME = 'apikey ';

function invalid(reason: string): Denial {
  return deny('credential_invalid', 'The API key is not valid.', { reason });
}

const TWO_KEYS = invalid('api key sent both in a header and in Authorization');

/** What a stored key record gives every request that presents it, worked out once. */
interface Verified {
  readonly sha256: Buffer;
  readonly identity: Identity;
}

/**
 * Keyed by the store's record objects, which the store replaces when a key changes (and
 * drops when another process changes the database), so an entry never outlives its record.
 */
const verifiedRecords = new WeakMap<ApiKeyRecord, Verified>();

function verifiedOf(record: ApiKeyRecord): Verified {
  let verified = verifiedRecords.get(record);
  if (verified === undefined) {
    verified = {
      sha256: Buffer.from(record.sha256, 'hex'),
      identity: {
        partner: record.partner,
        application: record.application,
        credential: { kind: 'api_key', id: record.id },
      },
    };
    verifiedRecords.set(record, verified);
  }
  return verified;
}

/**
 * API keys from the configured header or `Authorization: ApiKey <key>`. The key's hash is
 * compared in constant time; revocation and expiry are read from the store on every
 * request, so they take effect at once.
 */
export function createApiKeyAuthenticator(
  plan: AuthenticationPlan,
  deps: { readonly store: ApiKeyStore; readonly clock: Clock },
): Authenticator {
  const header = plan.apiKeyHeader;
  const challenge = `ApiKey header="${header}"`;

  function presentedKey(ex: Exchange): string | Denial | undefined {
    const fromHeader = ex.req.headers[header];
    const authorization = ex.req.headers.authorization;
    const fromAuthorization =
      authorization !== undefined && authorization.slice(0, SCHEME.length).toLowerCase() === SCHEME
        ? authorization.slice(SCHEME.length).trim()
        : undefined;
    if (typeof fromHeader === 'string') return fromAuthorization === undefined ? fromHeader.trim() : TWO_KEYS;
    return fromAuthorization;
  }

  return {
    scheme: 'api_key',
    challenge,
    presented: (ex) => presentedKey(ex) !== undefined,
    verify(ex): Identity | Denial {
      const key = presentedKey(ex);
      if (key === undefined) return invalid('no api key');
      if (typeof key !== 'string') return key;
      const id = apiKeyId(key);
      const digest = hash('sha256', key, 'buffer');
      if (id === undefined) return invalid('malformed api key');
      const declared = plan.declaredKeys.get(id);
      if (declared !== undefined) {
        if (!timingSafeEqual(digest, declared.sha256)) return invalid(`wrong secret for declared key ${id}`);
        if (!plan.apiKeyPartners.has(declared.partner))
          return invalid(`partner ${declared.partner} does not accept api keys`);
        return {
          partner: declared.partner,
          application: declared.application,
          credential: { kind: 'api_key', id },
        };
      }
      const record = deps.store.find(id);
      if (record === undefined) return invalid(`unknown api key ${id}`);
      const verified = verifiedOf(record);
      if (!timingSafeEqual(digest, verified.sha256)) return invalid(`wrong secret for api key ${id}`);
      if (record.revokedAt !== undefined) return invalid(`api key ${id} is revoked`);
      if (record.expiresAt !== undefined && record.expiresAt <= deps.clock.now())
        return invalid(`api key ${id} expired`);
      if (!plan.apiKeyPartners.has(record.partner)) {
        return invalid(`partner ${record.partner} has no contract accepting api keys`);
      }
      return verified.identity;
    },
  };
}
