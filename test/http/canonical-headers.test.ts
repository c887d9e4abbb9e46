import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { inspectRawHeaders, normaliseHost } from '../../src/http/canonical-headers.ts';

const rules = { maxHeaderCount: 6, singletons: new Set(['authorization', 'x-api-key']) };

function code(raw: string[]): string | undefined {
  const r = inspectRawHeaders(raw, rules);
  return 'code' in r ? r.code : undefined;
}

describe('inspectRawHeaders', () => {
  test('returns the lower-cased host', () => {
    assert.deepEqual(inspectRawHeaders(['Host', 'API.Example.com:8080'], rules), {
      host: 'api.example.com:8080',
    });
  });

  test('rejects a missing, repeated or malformed Host', () => {
    assert.equal(code(['Accept', '*/*']), 'host_missing');
    assert.equal(code(['Host', 'a', 'host', 'b']), 'host_repeated');
    assert.equal(code(['Host', 'a', 'Host', 'a']), 'host_repeated');
    assert.equal(code(['Host', 'evil.com@good.com']), 'header_invalid');
    assert.equal(code(['Host', '']), 'header_invalid');
  });

  test('rejects a repeated credential header even when both copies are equal', () => {
    assert.equal(
      code(['Host', 'a', 'Authorization', 'ApiKey x', 'authorization', 'ApiKey x']),
      'header_repeated',
    );
    assert.equal(code(['Host', 'a', 'X-Api-Key', 'k1', 'x-api-key', 'k2']), 'header_repeated');
  });

  test('rejects ambiguous framing', () => {
    assert.equal(code(['Host', 'a', 'Content-Length', '3', 'Content-Length', '3']), 'framing_invalid');
    assert.equal(
      code(['Host', 'a', 'Content-Length', '3', 'Transfer-Encoding', 'chunked']),
      'framing_invalid',
    );
    assert.equal(code(['Host', 'a', 'Transfer-Encoding', 'gzip, chunked']), 'framing_invalid');
    assert.equal(
      code(['Host', 'a', 'Transfer-Encoding', 'chunked', 'Transfer-Encoding', 'chunked']),
      'framing_invalid',
    );
    assert.equal(code(['Host', 'a', 'Transfer-Encoding', 'Chunked']), undefined);
  });

  test('rejects more header fields than the limit', () => {
    const raw = ['Host', 'a'];
    for (let i = 0; i < 6; i++) raw.push(`X-${i}`, 'v');
    assert.equal(code(raw), 'headers_too_large');
    assert.equal(code(raw.slice(0, 12)), undefined);
  });
});

describe('normaliseHost', () => {
  test('accepts names, IPv4 and bracketed IPv6 with optional ports', () => {
    assert.equal(normaliseHost('LocalHost:80'), 'localhost:80');
    assert.equal(normaliseHost('127.0.0.1'), '127.0.0.1');
    assert.equal(normaliseHost('[::1]:8080'), '[::1]:8080');
  });

  test('refuses userinfo, paths, spaces and empty labels', () => {
    for (const bad of ['a@b', 'a/b', 'a b', 'a..b', '-a.com', 'a:', 'a:123456'])
      assert.equal(normaliseHost(bad), undefined, bad);
  });
});
