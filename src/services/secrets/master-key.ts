import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { PortcullisError } from '../../errors.ts';
import type { StoreConfig } from '../../store/config.ts';

export const MASTER_KEY_ENV = 'PORTCULLIS_MASTER_KEY';
export const MASTER_KEY_FILE = 'master.key';

function decode(text: string, where: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64url');
  if (key.length !== 32) {
    throw new PortcullisError('secret_unreadable', `${where} must hold 32 bytes, base64url-encoded`);
  }
  return key;
}

/** Creates the key file whole or not at all (a link cannot be half-written), if it is missing. */
function createOnce(file: string): void {
  const draft = `${file}.${process.pid}.${randomBytes(6).toString('hex')}`;
  try {
    writeFileSync(draft, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
    linkSync(draft, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new PortcullisError('secret_unreadable', `cannot create the master key file ${file}`, {
        cause: error,
      });
    }
  } finally {
    rmSync(draft, { force: true });
  }
}

/**
 * The master key that seals secrets at rest (signing keys), in this order:
 * 1. `PORTCULLIS_MASTER_KEY` (32 bytes, base64url), e.g. from a secrets manager;
 * 2. for the memory store, a fresh random key (nothing outlives the process anyway);
 * 3. `master.key` beside the SQLite file, created on first use with mode 0600. A key file
 *    that others may read is refused rather than used.
 */
export function loadMasterKey(
  store: StoreConfig,
  baseDir: string,
  env: NodeJS.ProcessEnv = process.env,
): Buffer {
  const fromEnv = env[MASTER_KEY_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return decode(fromEnv, MASTER_KEY_ENV);
  if (store.kind === 'memory') return randomBytes(32);
  const file = join(dirname(resolve(baseDir, store.path)), MASTER_KEY_FILE);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  createOnce(file);
  if ((statSync(file).mode & 0o077) !== 0) {
    throw new PortcullisError(
      'secret_unreadable',
      `the master key file ${file} is readable by others: chmod 600 it (or set ${MASTER_KEY_ENV})`,
    );
  }
  return decode(readFileSync(file, 'utf8'), file);
}
