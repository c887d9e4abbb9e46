import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { OperationSpec } from '../../../src/config/openapi.ts';
import { createAuthorizeStage } from '../../../src/pipeline/authorize/stage.ts';
import type { Exchange } from '../../../src/pipeline/exchange.ts';
import type { Identity } from '../../../src/pipeline/identity.ts';
import type { Denial } from '../../../src/pipeline/stage.ts';

const read = { id: 'read' } as OperationSpec;
const write = { id: 'write' } as OperationSpec;
const other = { id: 'other' } as OperationSpec;
const grants = new Map([
  [
    'acme',
    new Map<OperationSpec, readonly string[]>([
      [read, []],
      [write, ['orders:write']],
    ]),
  ],
]);
const authorize = createAuthorizeStage(grants);

function decide(operation: OperationSpec, identity: Partial<Identity>): Denial | undefined {
  const ex = {
    identity: { partner: 'acme', application: 'a', credential: { kind: 'api_key', id: 'k' }, ...identity },
    route: { target: { api: 'orders', operation }, params: {} },
  } as unknown as Exchange;
  return authorize(ex) as Denial | undefined;
}

describe('authorisation by contract grants', () => {
  test('denies by default what the contract does not grant', () => {
    assert.equal(decide(other, {})?.code, 'operation_not_granted');
    assert.equal(decide(read, { partner: 'stranger' })?.code, 'operation_not_granted');
  });

  test('allows a granted operation to a credential limited by the contract alone', () => {
    assert.equal(decide(read, {}), undefined);
    assert.equal(decide(write, {}), undefined);
  });

  test('requires every scope of the grant from a scope-limited credential', () => {
    const denial = decide(write, { scopes: new Set(['orders:read']) });
    assert.equal(denial?.code, 'insufficient_scope');
    assert.equal(
      denial?.headers?.['www-authenticate'],
      'Bearer error="insufficient_scope", scope="orders:write"',
    );
    assert.equal(decide(write, { scopes: new Set(['orders:write', 'x']) }), undefined);
    assert.equal(decide(read, { scopes: new Set() }), undefined);
  });
});
