import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type JsonLimits, parseStrictJson } from '../../../src/pipeline/inspect/strict-json.ts';

const LIMITS: JsonLimits = {
  maxDepth: 8,
  maxKeys: 4,
  maxItems: 4,
  maxStringLength: 16,
  prototypeKeys: 'reject',
};

function parse(text: string | Uint8Array, limits: Partial<JsonLimits> = {}) {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  return parseStrictJson(bytes, { ...LIMITS, ...limits });
}

function refusal(text: string | Uint8Array, limits: Partial<JsonLimits> = {}) {
  const result = parse(text, limits);
  assert.ok(!result.ok, `accepted ${String(text)}`);
  return result.violation;
}

describe('strict JSON parsing', () => {
  test('reads what JSON.parse reads, for well-formed documents within the limits', () => {
    for (const text of [
      '{"a":[1,-2.5e3,true,null],"b":{"c":"d\\u00e9\\n\\ud83d\\ude00","f":false}}',
      ' [ ] ',
      '"x"',
      '0',
      '-0.0E+1',
      '{"":1}',
      '"\\"\\\\\\/\\b\\f\\n\\r\\t"',
    ]) {
      const result = parse(text);
      assert.ok(result.ok, text);
      assert.deepEqual(result.value, JSON.parse(text));
    }
  });

  test('refuses duplicate keys, naming the member', () => {
    assert.deepEqual(refusal('{"a":{"b":1,"b":2}}'), { pointer: '/a/b', rule: 'duplicate_key' });
  });

  test('refuses prototype keys, or strips them when configured, and never touches a prototype', () => {
    for (const key of ['__proto__', 'constructor', 'prototype']) {
      assert.deepEqual(refusal(`{"x":[{"${key}":{"polluted":true}}]}`), {
        pointer: `/x/0/${key}`,
        rule: 'prototype_key',
      });
    }
    const stripped = parse('{"__proto__":{"polluted":true},"constructor":{"prototype":1},"a":1}', {
      prototypeKeys: 'strip',
    });
    assert.ok(stripped.ok);
    assert.deepEqual(stripped.value, { a: 1 });
    assert.equal(Object.getPrototypeOf(stripped.value), Object.prototype);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test('refuses a byte order mark, invalid UTF-8, encoded surrogates and lone surrogate escapes', () => {
    assert.equal(refusal(Buffer.from([0xef, 0xbb, 0xbf, 0x31])).rule, 'bom');
    assert.equal(refusal(Buffer.from([0x22, 0xff, 0x22])).rule, 'utf8');
    assert.equal(refusal(Buffer.from([0x22, 0xc0, 0xaf, 0x22])).rule, 'utf8', 'overlong /');
    assert.equal(
      refusal(Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22])).rule,
      'utf8',
      'UTF-8 encoded surrogate',
    );
    assert.equal(refusal('"\\ud800"').rule, 'lone_surrogate');
    assert.equal(refusal('"\\udc00\\ud800"').rule, 'lone_surrogate');
    assert.equal(refusal('"\\ud800\\u0041"').rule, 'lone_surrogate');
  });

  test('refuses trailing content and syntax JSON.parse also refuses', () => {
    assert.equal(refusal('{} {}').rule, 'trailing_content');
    assert.equal(refusal('[1]x').rule, 'trailing_content');
    assert.equal(refusal('01').rule, 'trailing_content');
    for (const text of [
      '',
      '{',
      '[1,]',
      '{"a":1,}',
      '-',
      '1.',
      '.5',
      '+1',
      '"\t"',
      "'a'",
      'tru',
      'NaN',
      '"\\x"',
      '"\\u12"',
    ]) {
      assert.equal(refusal(text).rule, 'syntax', text);
    }
  });

  test('refuses numbers that are not finite doubles', () => {
    assert.equal(refusal('1e400').rule, 'number_range');
  });

  test('enforces depth, member, item and string limits with the pointer of the offender', () => {
    assert.deepEqual(refusal('[[[[[[[[[1]]]]]]]]]'), { pointer: '/0/0/0/0/0/0/0/0', rule: 'depth' });
    assert.deepEqual(refusal('{"a":{"k1":1,"k2":2,"k3":3,"k4":4,"k5":5}}'), { pointer: '/a', rule: 'keys' });
    assert.deepEqual(refusal('{"a/b":[1,2,3,4,5]}'), { pointer: '/a~1b', rule: 'items' });
    assert.equal(refusal('"abcdefghijklmnopq"').rule, 'string_length');
    assert.equal(refusal('{"abcdefghijklmnopq":1}').rule, 'string_length');
    assert.equal(refusal('"abcdefghijklmno\\n\\n"').rule, 'string_length');
    assert.ok(parse('"abcdefghijklmnop"').ok, 'exactly at the limit');
  });

  test('never throws, whatever the input', () => {
    const deep = '['.repeat(100_000);
    assert.equal(refusal(deep, { maxDepth: 512 }).rule, 'depth');
  });
});
