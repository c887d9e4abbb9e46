import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { PortcullisError } from '../../errors.ts';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Envelope encryption: each secret is encrypted with its own random data key (AES-256-GCM),
 * and the data key is encrypted ("wrapped") with the master key. Only wrapped keys and
 * ciphertexts reach the store; the master key never does. `context` (e.g. a key id) is
 * bound into both as additional authenticated data, so a sealed value moved to another
 * record does not open.
 */
export interface Sealer {
  /** Names the master key without revealing it; sealed values record it. */
  readonly masterKeyId: string;
  seal(plaintext: Buffer, context: string): string;
  open(sealed: string, context: string): Buffer;
}

function encrypt(key: Buffer, plaintext: Buffer, aad: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

function decrypt(key: Buffer, sealed: Buffer, aad: string): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
}

/** A sealer over a 32-byte master key. */
export function createSealer(masterKey: Buffer): Sealer {
  if (masterKey.length !== 32) throw new TypeError('the master key must be 32 bytes');
  const masterKeyId = createHmac('sha256', masterKey)
    .update('portcullis master key id')
    .digest('hex')
    .slice(0, 16);
  return {
    masterKeyId,
    seal(plaintext, context) {
      const dataKey = randomBytes(32);
      const wrapped = encrypt(masterKey, dataKey, `data-key:${context}`);
      const ciphertext = encrypt(dataKey, plaintext, context);
      return [VERSION, masterKeyId, wrapped.toString('base64url'), ciphertext.toString('base64url')].join(
        '.',
      );
    },
    open(sealed, context) {
      const [version, keyId, wrapped, ciphertext] = sealed.split('.');
      if (version !== VERSION || wrapped === undefined || ciphertext === undefined) {
        throw new PortcullisError('secret_unreadable', `a sealed secret (${context}) is malformed`);
      }
      if (keyId !== masterKeyId) {
        throw new PortcullisError(
          'secret_unreadable',
          `a sealed secret (${context}) was sealed with another master key (${keyId}, this one is ${masterKeyId})`,
        );
      }
      try {
        const dataKey = decrypt(masterKey, Buffer.from(wrapped, 'base64url'), `data-key:${context}`);
        return decrypt(dataKey, Buffer.from(ciphertext, 'base64url'), context);
      } catch (cause) {
        throw new PortcullisError('secret_unreadable', `a sealed secret (${context}) does not open`, {
          cause,
        });
      }
    },
  };
}
