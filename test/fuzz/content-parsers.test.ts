import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseDigestDictionary } from '../../src/pipeline/inspect/digest.ts';
import { parseMediaType } from '../../src/pipeline/inspect/media-type.ts';
import { parseMultipart } from '../../src/pipeline/inspect/multipart.ts';
import { mutate, prng } from '../support/fuzz.ts';

const INTERESTING = [0x22, 0x5c, 0x3b, 0x3d, 0x2c, 0x3a, 0x2d, 0x0d, 0x0a, 0x20, 0x09, 0x00, 0xff, 0x2a];

const MULTIPART = Buffer.from(
  '--b\r\nContent-Disposition: form-data; name="a"\r\n\r\none\r\n' +
    '--b\r\nContent-Disposition: form-data; name="f"; filename="x.bin"\r\nContent-Type: application/octet-stream\r\n\r\n\x00\x01\r\n' +
    '--b--\r\n',
);

describe('content header and body parsers under fuzzing', () => {
  test('multipart parsing never throws, and every part it returns lies inside the body', () => {
    const rand = prng(0x3a3a);
    for (let i = 0; i < 20_000; i++) {
      const body = mutate(MULTIPART, rand, INTERESTING, 4);
      const parts = parseMultipart(body, 'b', 8);
      if (!Array.isArray(parts)) {
        assert.match(parts.rule, /^multipart_/);
        continue;
      }
      assert.ok(parts.length <= 8);
      for (const part of parts) {
        assert.ok(part.name.length > 0);
        assert.ok(part.body.length <= body.length);
      }
    }
  });

  test('media type and digest parsing never throw on mutated headers', () => {
    const rand = prng(0x7e7e);
    const types = Buffer.from('multipart/form-data; boundary="a b"; charset=utf-8');
    const digests = Buffer.from('sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:, sha-512=:AAAA:');
    for (let i = 0; i < 20_000; i++) {
      const media = parseMediaType(mutate(types, rand, INTERESTING, 4).toString('latin1'));
      if (media !== undefined) assert.match(media.essence, /^[^/\s]+\/[^/\s]+$/);
      parseDigestDictionary(mutate(digests, rand, INTERESTING, 4).toString('latin1'));
    }
  });
});
