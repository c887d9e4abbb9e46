import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type JsonLimits, parseStrictJson } from '../../src/pipeline/inspect/strict-json.ts';
import { mutate, prng } from '../support/fuzz.ts';

const WIDE: JsonLimits = {
  maxDepth: 64,
  maxKeys: 10_000,
  maxItems: 10_000,
  maxStringLength: 1 << 20,
  prototypeKeys: 'reject',
};
const PIECES = ['a', 'é', '😀', '"', '\\', '/', '\n', '\u0001', '\u2028', ' ', 'key', '0', '\ufeff'];

function randomString(rand: () => number): string {
  let s = '';
  const n = Math.floor(rand() * 6);
  for (let i = 0; i < n; i++) s += PIECES[Math.floor(rand() * PIECES.length)];
  return s;
}

function randomValue(rand: () => number, depth: number): unknown {
  const pick = Math.floor(rand() * (depth > 4 ? 5 : 7));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return rand() < 0.5;
    case 2:
      return rand() < 0.5
        ? Math.floor((rand() - 0.5) * 1e6)
        : (rand() - 0.5) * 10 ** Math.floor(rand() * 40 - 20);
    case 3:
    case 4:
      return randomString(rand);
    case 5: {
      const out: unknown[] = [];
      const n = Math.floor(rand() * 5);
      for (let i = 0; i < n; i++) out.push(randomValue(rand, depth + 1));
      return out;
    }
    default: {
      const out: Record<string, unknown> = {};
      const n = Math.floor(rand() * 5);
      for (let i = 0; i < n; i++) out[`${randomString(rand)}${i}`] = randomValue(rand, depth + 1);
      return out;
    }
  }
}

const INTERESTING = [
  0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x3a, 0x20, 0x30, 0x2d, 0x65, 0x75, 0xff, 0xed, 0xc0, 0x00,
];

function strictUtf8(bytes: Buffer): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

describe('strict JSON parser under fuzzing', () => {
  test('agrees with JSON.parse on every generated document', () => {
    const rand = prng(0x5eed);
    for (let i = 0; i < 3000; i++) {
      const text = JSON.stringify(randomValue(rand, 0), null, rand() < 0.3 ? 2 : undefined);
      const result = parseStrictJson(Buffer.from(text), WIDE);
      assert.ok(result.ok, `refused ${text}: ${JSON.stringify(!result.ok && result.violation)}`);
      assert.deepEqual(result.value, JSON.parse(text));
    }
  });

  test('never throws on mutated documents, and accepts only what JSON.parse reads the same way', () => {
    const rand = prng(0xf00d);
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      const base = Buffer.from(JSON.stringify(randomValue(rand, 0)));
      const bytes = mutate(base, rand, INTERESTING);
      const result = parseStrictJson(bytes, WIDE);
      const text = strictUtf8(bytes);
      if (result.ok) {
        accepted++;
        assert.ok(text !== undefined, 'accepted invalid UTF-8');
        assert.deepEqual(result.value, JSON.parse(text));
      } else if (result.violation.rule === 'syntax' || result.violation.rule === 'trailing_content') {
        if (text !== undefined) assert.throws(() => JSON.parse(text), `refused as syntax: ${text}`);
      }
    }
    assert.ok(accepted > 1000, 'the mutations were all refused: the fuzzer is not exercising acceptance');
  });

  test('random bytes never throw and never reach a prototype', () => {
    const rand = prng(0xbad);
    for (let i = 0; i < 5000; i++) {
      const bytes = Buffer.from(
        Array.from({ length: Math.floor(rand() * 40) }, () => Math.floor(rand() * 256)),
      );
      parseStrictJson(bytes, WIDE);
      parseStrictJson(Buffer.concat([Buffer.from('{"__proto__":'), bytes]), {
        ...WIDE,
        prototypeKeys: 'strip',
      });
    }
    assert.equal(Object.keys(Object.prototype).length, 0);
    assert.equal(Object.getOwnPropertyNames(Object.prototype).includes('polluted'), false);
  });
});
