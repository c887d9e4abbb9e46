import { generateKeyPairSync } from 'node:crypto';
import type { LogBackend } from '../../src/audit/backend.ts';
import type { AuditEventV1 } from '../../src/audit/event.ts';
import { createHeadSigner } from '../../src/audit/head.ts';
import { AuditLog } from '../../src/audit/log.ts';
import { MemoryLogBackend } from '../../src/store/memory/audit-log.ts';

/** A credential event numbered `i`, as producers append them. */
export function sampleEvent(i: number): AuditEventV1 {
  return {
    v: 1,
    kind: 'credential',
    action: 'api_key.issued',
    at: 1_700_000_000_000 + i,
    actor: 'test',
    partner: 'acme',
    subject: `key-${i}`,
  };
}

/** An audit log on `backend` (memory by default) with a fresh key and a frozen clock. */
export function testLog(
  options: {
    backend?: LogBackend;
    everyEvents?: number;
    capacity?: number;
    witness?: AuditLog['append'];
  } = {},
) {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const signer = createHeadSigner(privateKey);
  const log = new AuditLog({
    backend: options.backend ?? new MemoryLogBackend(),
    signer,
    clock: { now: () => 1_700_000_000_000 },
    heads: { everyEvents: options.everyEvents ?? 1_000_000, everyMs: 3_600_000 },
    capacity: options.capacity ?? 100_000,
    maxBatch: 1000,
  });
  return { log, signer, publicKey, keys: new Map([[signer.keyId, publicKey]]) };
}
