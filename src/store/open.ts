import { resolve } from 'node:path';
import { PortcullisError } from '../errors.ts';
import type { StoreConfig } from './config.ts';
import { MemoryApiKeyStore } from './memory/api-keys.ts';
import { MemoryAuditStore } from './memory/audit.ts';
import { apiKeyMigrations, SqliteApiKeyStore } from './sqlite/api-keys.ts';
import { auditMigrations, SqliteAuditStore } from './sqlite/audit.ts';
import { openDatabase } from './sqlite/database.ts';
import type { Stores } from './types.ts';

/** Every migration of the embedded store, in order. */
const MIGRATIONS = [...apiKeyMigrations, ...auditMigrations];

/** Opens the configured stores; `baseDir` anchors a relative SQLite path (the config directory). */
export function openStores(config: StoreConfig, baseDir: string): Stores {
  if (config.kind === 'memory') {
    return { apiKeys: new MemoryApiKeyStore(), audit: new MemoryAuditStore(), close: () => {} };
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
  return { apiKeys: new SqliteApiKeyStore(db), audit: new SqliteAuditStore(db), close: () => db.close() };
}
