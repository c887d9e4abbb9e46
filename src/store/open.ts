import { resolve } from 'node:path';
import { PortcullisError } from '../errors.ts';
import type { StoreConfig } from './config.ts';
import { MemoryApiKeyStore } from './memory/api-keys.ts';
import { MemoryAuditStore } from './memory/audit.ts';
import { MemoryPartnerStatusStore, MemoryRevocationStore } from './memory/lifecycle.ts';
import { MemoryAssertionReplayStore, MemoryClientStore, MemorySigningKeyStore } from './memory/tokens.ts';
import { apiKeyMigrations, SqliteApiKeyStore } from './sqlite/api-keys.ts';
import { assertionReplayMigrations, SqliteAssertionReplayStore } from './sqlite/assertion-replay.ts';
import { auditMigrations, SqliteAuditStore } from './sqlite/audit.ts';
import { ChangeWatch } from './sqlite/change-watch.ts';
import { clientMigrations, SqliteClientStore } from './sqlite/clients.ts';
import { openDatabase } from './sqlite/database.ts';
import { partnerMigrations, SqlitePartnerStatusStore } from './sqlite/partners.ts';
import { revocationMigrations, SqliteRevocationStore } from './sqlite/revocations.ts';
import { SqliteSigningKeyStore, signingKeyMigrations } from './sqlite/signing-keys.ts';
import type { Stores } from './types.ts';

/** Every migration of the embedded store, in order. */
const MIGRATIONS = [
  ...apiKeyMigrations,
  ...auditMigrations,
  ...partnerMigrations,
  ...revocationMigrations,
  ...clientMigrations,
  ...signingKeyMigrations,
  ...assertionReplayMigrations,
];

/** Opens the configured stores; `baseDir` anchors a relative SQLite path (the config directory). */
export function openStores(config: StoreConfig, baseDir: string): Stores {
  if (config.kind === 'memory') {
    return {
      apiKeys: new MemoryApiKeyStore(),
      audit: new MemoryAuditStore(),
      partners: new MemoryPartnerStatusStore(),
      revocations: new MemoryRevocationStore(),
      clients: new MemoryClientStore(),
      signingKeys: new MemorySigningKeyStore(),
      assertionReplay: new MemoryAssertionReplayStore(),
      close: () => {},
    };
  }
  const path = resolve(baseDir, config.path);
  let db: ReturnType<typeof openDatabase>;
  try {
    db = openDatabase(path, MIGRATIONS);
  } catch (error) {
    throw new PortcullisError('store_unavailable', `cannot open the embedded store at ${path}`, {
      cause: error,
    });
  }
  const watch = new ChangeWatch(db);
  return {
    apiKeys: new SqliteApiKeyStore(db, watch),
    audit: new SqliteAuditStore(db),
    partners: new SqlitePartnerStatusStore(db, watch),
    revocations: new SqliteRevocationStore(db, watch),
    clients: new SqliteClientStore(db, watch),
    signingKeys: new SqliteSigningKeyStore(db, watch),
    assertionReplay: new SqliteAssertionReplayStore(db),
    close: () => db.close(),
  };
}
