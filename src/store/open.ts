import { resolve } from 'node:path';
import { type AuditConfig, DEFAULT_AUDIT_CONFIG } from '../audit/config.ts';
import type { AuditLog } from '../audit/log.ts';
import { type OpenAuditLogOptions, openAuditLog } from '../audit/open.ts';
import { PortcullisError } from '../errors.ts';
import type { StoreConfig } from './config.ts';
import { MemoryApiKeyStore } from './memory/api-keys.ts';
import { MemoryPartnerStatusStore, MemoryRevocationStore } from './memory/lifecycle.ts';
import { MemoryAssertionReplayStore, MemoryClientStore, MemorySigningKeyStore } from './memory/tokens.ts';
import { apiKeyMigrations, SqliteApiKeyStore } from './sqlite/api-keys.ts';
import { assertionReplayMigrations, SqliteAssertionReplayStore } from './sqlite/assertion-replay.ts';
import { ChangeWatch } from './sqlite/change-watch.ts';
import { clientMigrations, SqliteClientStore } from './sqlite/clients.ts';
import { openDatabase } from './sqlite/database.ts';
import { partnerMigrations, SqlitePartnerStatusStore } from './sqlite/partners.ts';
import { revocationMigrations, SqliteRevocationStore } from './sqlite/revocations.ts';
import { SqliteSigningKeyStore, signingKeyMigrations } from './sqlite/signing-keys.ts';
import type { Stores } from './types.ts';

/** Every migration of the embedded store, in order. The audit log has a file of its own. */
const MIGRATIONS = [
  ...apiKeyMigrations,
  ...partnerMigrations,
  ...revocationMigrations,
  ...clientMigrations,
  ...signingKeyMigrations,
  ...assertionReplayMigrations,
  { id: '0008_audit_events_moved_to_audit_log', sql: 'DROP TABLE IF EXISTS audit_events;' },
];

/** Stores that live in this process only, around the given audit log (closed with them). */
export function memoryStores(log: AuditLog): Stores {
  return {
    apiKeys: new MemoryApiKeyStore(),
    audit: log,
    partners: new MemoryPartnerStatusStore(),
    revocations: new MemoryRevocationStore(),
    clients: new MemoryClientStore(),
    signingKeys: new MemorySigningKeyStore(),
    assertionReplay: new MemoryAssertionReplayStore(),
    close: () => log.close(),
  };
}

/**
 * Opens the configured stores; `baseDir` anchors relative paths (the config directory).
 * `audit` places the audit log (`plan.gateway.audit`; the defaults when absent).
 */
export function openStores(
  config: StoreConfig,
  baseDir: string,
  audit: AuditConfig = DEFAULT_AUDIT_CONFIG,
  options: OpenAuditLogOptions = {},
): Stores {
  if (config.kind === 'memory') return memoryStores(openAuditLog(config, audit, baseDir, options));
  const path = resolve(baseDir, config.path);
  let db: ReturnType<typeof openDatabase>;
  let log: ReturnType<typeof openAuditLog>;
  try {
    db = openDatabase(path, MIGRATIONS);
  } catch (error) {
    throw new PortcullisError('store_unavailable', `cannot open the embedded store at ${path}`, {
      cause: error,
    });
  }
  try {
    log = openAuditLog(config, audit, baseDir, options);
  } catch (error) {
    db.close();
    throw new PortcullisError('store_unavailable', `cannot open the audit log of ${baseDir}`, {
      cause: error,
    });
  }
  const watch = new ChangeWatch(db);
  return {
    apiKeys: new SqliteApiKeyStore(db, watch),
    audit: log,
    partners: new SqlitePartnerStatusStore(db, watch),
    revocations: new SqliteRevocationStore(db, watch),
    clients: new SqliteClientStore(db, watch),
    signingKeys: new SqliteSigningKeyStore(db, watch),
    assertionReplay: new SqliteAssertionReplayStore(db),
    close: async () => {
      try {
        await log.close();
      } finally {
        db.close();
      }
    },
  };
}
