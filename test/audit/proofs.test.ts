import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { consistencyProof, inclusionProof } from '../../src/audit/proofs.ts';
import { MemoryLogBackend } from '../../src/store/memory/audit-log.ts';
import { rfcLeafHash, rfcRoot, verifyConsistency, verifyInclusion } from './rfc9162.ts';
import { sampleEvent, testLog } from './support.ts';

const b64 = (s: string) => Buffer.from(s, 'base64');

describe('Merkle proofs', async () => {
  const backend = new MemoryLogBackend();
  const { log } = testLog({ backend, everyEvents: 7 });
  for (let i = 0; i < 70; i++) {
    log.append(sampleEvent(i));
    if (i % 7 === 6) await log.flush();
  }
  const leaves = backend.leaves(0, 100).map((l) => rfcLeafHash(l.leaf));

  test('signed heads carry the RFC 9162 root of the events they cover', () => {
    const heads = backend.heads(0, 100);
    assert.equal(heads.length, 10);
    for (const head of heads) assert.deepEqual(b64(head.root), rfcRoot(leaves.slice(0, head.size)));
  });

  test('inclusion proofs verify with an independent RFC 9162 verifier, for every leaf and size', async () => {
    for (let size = 1; size <= 70; size++) {
      const root = rfcRoot(leaves.slice(0, size));
      for (let seq = 0; seq < size; seq++) {
        const proof = await inclusionProof(backend, seq, size);
        assert.ok(
          verifyInclusion(seq, size, rfcLeafHash(proof.leaf), proof.path.map(b64), root),
          `inclusion of ${seq} in ${size}`,
        );
      }
    }
  });

  test('an inclusion proof does not verify for another leaf or another root', async () => {
    const proof = await inclusionProof(backend, 5, 40);
    const path = proof.path.map(b64);
    assert.equal(verifyInclusion(6, 40, leaves[6]!, path, rfcRoot(leaves.slice(0, 40))), false);
    assert.equal(verifyInclusion(5, 40, leaves[5]!, path, rfcRoot(leaves.slice(0, 41))), false);
  });

  test('consistency proofs verify with an independent RFC 9162 verifier, for every pair of sizes', async () => {
    for (let to = 1; to <= 70; to++) {
      for (let from = 1; from < to; from++) {
        const proof = await consistencyProof(backend, from, to);
        assert.ok(
          verifyConsistency(
            from,
            to,
            rfcRoot(leaves.slice(0, from)),
            rfcRoot(leaves.slice(0, to)),
            proof.path.map(b64),
          ),
          `consistency ${from} -> ${to}`,
        );
      }
    }
  });

  test('a consistency proof does not verify against a tree that was changed', async () => {
    const proof = await consistencyProof(backend, 13, 50);
    const forged = [...leaves.slice(0, 50)];
    forged[3] = rfcLeafHash('forged');
    assert.equal(
      verifyConsistency(13, 50, rfcRoot(leaves.slice(0, 13)), rfcRoot(forged), proof.path.map(b64)),
      false,
    );
  });
});
