import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { parseDigestDictionary, verifyContentDigest } from '../../../src/pipeline/inspect/digest.ts';
import {
  charsetAccepted,
  kindOf,
  MediaRanges,
  parseMediaType,
} from '../../../src/pipeline/inspect/media-type.ts';
import { isBoundary, parseMultipart } from '../../../src/pipeline/inspect/multipart.ts';

describe('media types', () => {
  test('parses type, subtype and parameters strictly, case-insensitively where HTTP says so', () => {
    const media = parseMediaType('Application/JSON ; Charset="UTF-8";q=x');
    assert.equal(media?.essence, 'application/json');
    assert.deepEqual(
      [...media!.params],
      [
        ['charset', 'UTF-8'],
        ['q', 'x'],
      ],
    );
    for (const bad of [
      '',
      'json',
      'application/',
      'a/b;',
      'a/b; c',
      'a/b; c=1; c=2',
      'a/b c',
      'a/b; c="unterminated',
    ]) {
      assert.equal(parseMediaType(bad), undefined, bad);
    }
  });

  test('matches the most specific range and tells kinds and charsets apart', () => {
    const ranges = new MediaRanges<string>();
    ranges.add('application/json', 'json');
    ranges.add('image/*', 'images');
    assert.equal(ranges.match('application/json'), 'json');
    assert.equal(ranges.match('image/png'), 'images');
    assert.equal(ranges.match('text/plain'), undefined);
    ranges.add('*/*', 'any');
    assert.equal(ranges.match('text/plain'), 'any');
    assert.equal(kindOf('application/problem+json'), 'json');
    assert.equal(kindOf('multipart/form-data'), 'multipart');
    assert.equal(charsetAccepted(parseMediaType('text/plain; charset=latin1')!, 'text'), false);
    assert.equal(charsetAccepted(parseMediaType('image/png; charset=latin1')!, 'binary'), true);
  });
});

describe('Content-Digest', () => {
  const body = Buffer.from('{"hello":"world"}');
  const sha256 = createHash('sha256').update(body).digest('base64');

  test('parses a dictionary of byte sequences and refuses anything else', () => {
    assert.deepEqual(
      [...parseDigestDictionary(`sha-256=:${sha256}:, id-sha-256=:AAAA:`)!.keys()],
      ['sha-256', 'id-sha-256'],
    );
    for (const bad of [
      'sha-256',
      'sha-256=abc',
      `sha-256=:${sha256}:;p=1`,
      `sha-256=:${sha256}:, sha-256=:${sha256}:`,
      'SHA-256=:AAAA:',
      'sha-256=:AAA:',
    ]) {
      assert.equal(parseDigestDictionary(bad), undefined, bad);
    }
  });

  test('verifies the supported algorithms present and ignores the others', () => {
    assert.equal(verifyContentDigest(`sha-256=:${sha256}:`, body, true), undefined);
    assert.equal(verifyContentDigest('md5=:AAAA:', body, false), undefined);
    assert.equal(verifyContentDigest('md5=:AAAA:', body, true)?.code, 'digest_missing');
    assert.equal(verifyContentDigest(`sha-512=:${sha256}:`, body, false)?.code, 'digest_mismatch');
  });
});

describe('multipart/form-data', () => {
  test('accepts only RFC 2046 boundaries', () => {
    assert.ok(isBoundary("a'()+_,-./:=? b"));
    for (const bad of [undefined, '', 'x'.repeat(71), 'ends with space ', 'semi;colon'])
      assert.ok(!isBoundary(bad), String(bad));
  });

  test('splits parts with their names, file names and types', () => {
    const body = Buffer.from(
      '--b\r\nContent-Disposition: form-data; name="a"\r\n\r\none\r\n' +
        '--b\r\ncontent-disposition: form-data; name="f"; filename="x\\"y.txt"\r\nContent-Type: text/plain\r\n\r\n--b-not\r\n\r\n' +
        '--b--',
    );
    const parts = parseMultipart(body, 'b', 10);
    assert.ok(Array.isArray(parts));
    assert.deepEqual(
      parts.map((p) => [p.name, p.filename, p.contentType, p.body.toString()]),
      [
        ['a', undefined, undefined, 'one'],
        ['f', 'x"y.txt', 'text/plain', '--b-not\r\n'],
      ],
    );
  });

  test('refuses too many parts, unnamed parts and parts without a disposition', () => {
    const part = '--b\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n';
    assert.deepEqual(parseMultipart(Buffer.from(`${part}${part}--b--`), 'b', 1), {
      pointer: '/body',
      rule: 'multipart_parts',
    });
    for (const headers of [
      'Content-Disposition: form-data',
      'Content-Disposition: attachment; name="a"',
      'Content-Type: text/plain',
      'Content-Disposition: form-data; name="a"\r\nContent-Disposition: form-data; name="b"',
    ]) {
      const result = parseMultipart(Buffer.from(`--b\r\n${headers}\r\n\r\nx\r\n--b--`), 'b', 10);
      assert.ok(!Array.isArray(result), headers);
    }
  });
});
