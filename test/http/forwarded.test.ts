import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { clientAddress, compileTrustedProxies, forwardedNode } from '../../src/http/forwarded.ts';

describe('trusted proxies', () => {
  const { proxies, invalid } = compileTrustedProxies([
    '10.0.0.0/8',
    '192.168.1.1',
    '::1',
    'nonsense',
    '10.0.0.0/40',
  ]);

  test('reports invalid entries by index', () => {
    assert.deepEqual(invalid, [3, 4]);
  });

  test('matches addresses, CIDRs, IPv6 and IPv4-mapped IPv6', () => {
    assert.ok(proxies.has('10.1.2.3'));
    assert.ok(proxies.has('::ffff:10.1.2.3'));
    assert.ok(proxies.has('192.168.1.1'));
    assert.ok(proxies.has('::1'));
    assert.ok(!proxies.has('192.168.1.2'));
    assert.ok(!proxies.has('11.0.0.1'));
  });

  test('believes X-Forwarded-For only from a trusted peer, right-most untrusted hop first', () => {
    assert.equal(clientAddress('10.0.0.5', '203.0.113.9, 198.51.100.7, 10.0.0.9', proxies), '198.51.100.7');
    assert.equal(clientAddress('203.0.113.50', '1.2.3.4', proxies), '203.0.113.50');
    assert.equal(clientAddress('10.0.0.5', 'not-an-ip', proxies), '10.0.0.5');
    assert.equal(clientAddress('10.0.0.5', '10.0.0.6', proxies), '10.0.0.6');
  });

  test('trusts nothing when no proxy is configured', () => {
    const none = compileTrustedProxies([]).proxies;
    assert.equal(none.any, false);
    assert.equal(clientAddress('10.0.0.5', '1.2.3.4', none), '10.0.0.5');
  });

  test('quotes IPv6 in Forwarded nodes', () => {
    assert.equal(forwardedNode('::1'), '"[::1]"');
    assert.equal(forwardedNode('10.0.0.1'), '10.0.0.1');
  });
});
