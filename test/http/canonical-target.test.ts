import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type CanonicalTarget, canonicaliseTarget, type Rejection } from '../../src/http/canonical-target.ts';

const limits = { maxPathBytes: 64, maxQueryBytes: 32 };

function accepted(target: string): CanonicalTarget {
  const r = canonicaliseTarget(target, limits);
  assert.ok(!('code' in r), `expected ${target} to be accepted, got ${JSON.stringify(r)}`);
  return r;
}

function rejected(target: string): Rejection {
  const r = canonicaliseTarget(target, limits);
  assert.ok('code' in r, `expected ${target} to be rejected`);
  return r;
}

describe('canonicaliseTarget', () => {
  test('splits a canonical path into decoded segments and keeps the raw path and query', () => {
    const t = accepted('/pets/a%20b?x=1&y=%2F');
    assert.deepEqual(t.segments, ['pets', 'a b']);
    assert.equal(t.path, '/pets/a%20b');
    assert.equal(t.query, 'x=1&y=%2F');
  });

  test('keeps a trailing slash as an empty last segment and the root as one empty segment', () => {
    assert.deepEqual(accepted('/pets/').segments, ['pets', '']);
    assert.deepEqual(accepted('/').segments, ['']);
  });

  test('decodes multi-byte UTF-8 escapes', () => {
    assert.deepEqual(accepted('/caf%C3%A9').segments, ['café']);
  });

  for (const [name, target] of [
    ['a dot segment', '/pets/./1'],
    ['a dot-dot segment', '/pets/../admin'],
    ['a trailing dot-dot', '/pets/..'],
    ['an empty segment', '/pets//1'],
    ['a backslash', '/pets\\..\\admin'],
    ['an encoded slash', '/pets/1%2F..%2Fadmin'],
    ['an encoded slash in lower case', '/pets/1%2f2'],
    ['an encoded backslash', '/pets/%5C'],
    ['an encoded dot', '/pets/%2E%2E/admin'],
    ['an encoded NUL', '/pets/a%00b'],
    ['an encoded control character', '/pets/a%0Ab'],
    ['an invalid escape', '/pets/%zz'],
    ['a truncated escape', '/pets/%4'],
    ['an escape of invalid UTF-8', '/pets/%C3'],
    ['an escaped lone surrogate', '/pets/%ED%A0%80'],
    ['a fragment', '/pets#x'],
    ['a fragment after the query', '/pets?a=1#x'],
    ['a raw space', '/pets/a b'],
    ['a raw non-ASCII character', '/pets/é'],
  ] as const) {
    test(`rejects ${name} as path_not_canonical`, () => {
      assert.equal(rejected(target).code, 'path_not_canonical');
    });
  }

  test('accepts only origin-form targets', () => {
    assert.equal(rejected('http://evil.example/pets').code, 'request_target_invalid');
    assert.equal(rejected('*').code, 'request_target_invalid');
    assert.equal(rejected('').code, 'request_target_invalid');
  });

  test('rejects paths and queries over their limits', () => {
    assert.equal(rejected(`/${'a'.repeat(64)}`).code, 'path_too_long');
    assert.equal(accepted(`/${'a'.repeat(63)}`).segments[0]!.length, 63);
    assert.equal(rejected(`/a?${'q'.repeat(33)}`).code, 'query_too_long');
  });
});
