import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { ConfigError } from '../../src/config/issues.ts';
import { compilePlan } from '../../src/config/plan.ts';
import { contractFile, gatewayFile, PETS_OPENAPI, tempConfigDir } from '../support/config.ts';

const dirs: { remove(): void }[] = [];
after(() => {
  for (const d of dirs) d.remove();
});

function compile(extra: Record<string, unknown>, contract: Record<string, unknown> = {}) {
  const config = tempConfigDir({
    'portcullis.yaml': gatewayFile({ upstreamUrl: 'http://127.0.0.1:9', extra }),
    'apis/pets.yaml': PETS_OPENAPI,
    'contracts/acme.yaml': contractFile('acme', ['listPets'], contract),
  });
  dirs.push(config);
  return compilePlan(config.dir);
}

function messages(extra: Record<string, unknown>, contract: Record<string, unknown> = {}): string[] {
  try {
    compile(extra, contract);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.issues.map((i) => `${i.path}: ${i.message}`);
  }
  assert.fail('expected the configuration to be rejected');
}

const HASH = 'a'.repeat(64);

describe('audit and admin configuration', () => {
  test('defaults to auditing every decision, failing closed, with no admin listener and no tokens', () => {
    const plan = compile({});
    assert.equal(plan.audit.decisions, 'all');
    assert.equal(plan.audit.failOpen.size, 0);
    assert.equal(plan.gateway.listeners.admin, undefined);
    assert.deepEqual(plan.adminTokens, []);
    assert.equal(plan.gateway.audit.heads.everyEvents, 1000);
  });

  test('compiles admin tokens into their permissions and contracts that fail open', () => {
    const plan = compile(
      { admin: { tokens: [{ id: 'ops', sha256: HASH, roles: ['auditor', 'metrics'] }] } },
      { audit: { failOpen: true } },
    );
    assert.deepEqual([...plan.adminTokens[0]!.permissions].sort(), ['audit:read', 'metrics:read']);
    assert.ok(plan.audit.failOpen.has('acme'));
  });

  test('refuses an unknown role, a malformed hash, a repeated token and a typo in audit', () => {
    const found = messages({
      admin: {
        tokens: [
          { id: 'ops', sha256: HASH, roles: ['root'] },
          { id: 'short', sha256: 'abc', roles: ['metrics'] },
        ],
      },
      audit: { decision: 'all' },
    });
    assert.ok(
      found.some((m) => m.startsWith('admin.tokens[0].roles[0]')),
      found.join('\n'),
    );
    assert.ok(
      found.some((m) => m.startsWith('admin.tokens[1].sha256')),
      found.join('\n'),
    );
    assert.ok(
      found.some((m) => m.includes('decision')),
      found.join('\n'),
    );
    const repeated = messages({
      admin: {
        tokens: [
          { id: 'ops', sha256: HASH, roles: ['metrics'] },
          { id: 'ops', sha256: 'b'.repeat(64), roles: ['metrics'] },
        ],
      },
    });
    assert.ok(
      repeated.some((m) => m.startsWith('admin.tokens[1]')),
      repeated.join('\n'),
    );
  });

  test('refuses an audit PostgreSQL URL that is not one', () => {
    const found = messages({ audit: { postgres: { url: 'mysql://x' } } });
    assert.ok(
      found.some((m) => m.startsWith('audit.postgres.url')),
      found.join('\n'),
    );
  });
});
