import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { keyId } from './head.ts';

/** Where the public half of a signing key file is written: `name.pem` -> `name.pub.pem`. */
export function publicKeyPath(privateKeyPath: string): string {
  return privateKeyPath.replace(/(\.pem)?$/, '.pub.pem');
}

/**
 * The Ed25519 key that signs tree heads, read from `path` (PKCS#8 PEM). When the file does
 * not exist yet a key is created (mode 0600) with its public half beside it; creation is
 * exclusive, so processes starting together end up with the same key.
 */
export function loadOrCreateSigningKey(path: string): KeyObject {
  try {
    return createPrivateKey(readFileSync(path));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  try {
    writeFileSync(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return createPrivateKey(readFileSync(path));
    throw error;
  }
  writeFileSync(publicKeyPath(path), publicKey.export({ type: 'spki', format: 'pem' }));
  return privateKey;
}

/** Public keys by key id, from PEM files (public keys, or private keys whose public half is used). */
export function loadPublicKeys(paths: readonly string[]): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  for (const path of paths) {
    const key = createPublicKey(readFileSync(path));
    keys.set(keyId(key), key);
  }
  return keys;
}
