import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { ConfigError, type ConfigIssue } from '../../src/config/issues.ts';
import { compilePlan } from '../../src/config/plan.ts';
import { contractFile, gatewayFile, PETS_OPENAPI, tempConfigDir } from '../support/config.ts';

const dirs: { remove(): void }[] = [];
after(() => {
  for (const d of dirs) d.remove();
});

function issuesOf(files: Record<string, unknown>): ConfigIssue[] {
  const config = tempConfigDir({ 'apis/pets.yaml': PETS_OPENAPI, ...files });
  dirs.push(config);
  try {
    compilePlan(config.dir);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return [...error.issues];
  }
  assert.fail('expected the configuration to be rejected');
}

const base = gatewayFile({ upstreamUrl: 'http://127.0.0.1:9' });

describe('loading a configuration directory', () => {
  test('compiles a valid directory into a plan with defaults filled in', () => {
    const config = tempConfigDir({
      'portcullis.yaml': base,
      'apis/pets.yaml': PETS_OPENAPI,
      'contracts/acme.yaml': contractFile('acme', ['listPets']),
    });
    dirs.push(config);
    const plan = compilePlan(config.dir);
    assert.equal(plan.apis.get('pets')?.spec.operations.length, 6);
    assert.equal(plan.http.maxPathBytes, 2048);
    assert.equal(plan.gateway.apis.pets!.upstream.connectTimeoutMs, 2000);
    assert.match(plan.version, /^[0-9a-f]{16}$/);
    assert.ok(Object.isFrozen(plan));
  });

  test('names file, line and column of an unknown key, and suggests the near one', () => {
    const issues = issuesOf({
      'portcullis.yaml': 'version: 1\nlisteners:\n  public:\n    host: 127.0.0.1\n    prot: 8080\napis: {}\n',
    });
    const typo = issues.find((i) => i.message.includes('prot'));
    assert.deepEqual(
      { file: typo?.file, line: typo?.line, column: typo?.column, path: typo?.path },
      { file: 'portcullis.yaml', line: 5, column: 5, path: 'listeners.public.prot' },
    );
    assert.match(typo!.message, /did you mean `port`\?/);
  });

  test('explains a renamed key', () => {
    const issues = issuesOf({ 'portcullis.yaml': { ...base, port: 8080 } });
    assert.ok(
      issues.some((i) => i.message.includes('renamed to `listeners.public.port`')),
      JSON.stringify(issues),
    );
  });

  test('reports every error of every file at once', () => {
    const issues = issuesOf({
      'portcullis.yaml': { ...base, trustedProxies: ['10.0.0.0/33'] },
      'contracts/a.yaml': { version: 1, partner: 'Bad Name', grants: [] },
      'contracts/b.yaml': contractFile('b', ['noSuchOperation']),
      'contracts/c.yaml': { version: 1, partner: 'c', grants: [{ api: 'nope', operations: ['x'] }] },
    });
    assert.deepEqual(
      issues.map((i) => `${i.file}:${i.path}`),
      [
        'contracts/a.yaml:partner',
        'contracts/b.yaml:grants[0].operations[0]',
        'contracts/c.yaml:grants[0].api',
        'portcullis.yaml:trustedProxies[0]',
      ],
    );
  });

  test('reports broken references to APIs and operations with their location', () => {
    const issues = issuesOf({
      'portcullis.yaml': base,
      'contracts/b.yaml': contractFile('b', ['listPets', 'noSuchOperation']),
      'contracts/c.yaml': { version: 1, partner: 'c', grants: [{ api: 'nope', operations: ['x'] }] },
    });
    assert.deepEqual(
      issues.map((i) => [i.file, i.line, i.path, i.message]),
      [
        ['contracts/b.yaml', 7, 'grants[0].operations[1]', 'API `pets` has no operation `noSuchOperation`'],
        ['contracts/c.yaml', 4, 'grants[0].api', 'unknown API `nope` (configured: pets)'],
      ],
    );
  });

  test('refuses an invalid trusted proxy and an upstream URL with credentials', () => {
    const issues = issuesOf({
      'portcullis.yaml': gatewayFile({
        upstreamUrl: 'http://user:pw@127.0.0.1:9',
        extra: { trustedProxies: ['10.0.0.0/33', 'x'] },
      }),
    });
    assert.deepEqual(issues.map((i) => i.path).sort(), [
      'apis.pets.upstream.url',
      'trustedProxies[0]',
      'trustedProxies[1]',
    ]);
  });

  test('refuses two contracts for the same partner', () => {
    const issues = issuesOf({
      'portcullis.yaml': base,
      'contracts/a.yaml': contractFile('acme', ['listPets']),
      'contracts/b.yaml': contractFile('acme', ['getPet']),
    });
    assert.equal(issues.length, 1);
    assert.match(issues[0]!.message, /already defined in contracts\/a.yaml/);
  });

  test('reports YAML syntax errors and duplicate keys with their position', () => {
    const issues = issuesOf({ 'portcullis.yaml': 'version: 1\nversion: 2\nlisteners: [\n' });
    assert.ok(issues.length >= 1);
    assert.ok(issues.every((i) => i.file === 'portcullis.yaml' && i.line >= 1));
  });

  test('reports a missing gateway file and a missing OpenAPI document', () => {
    assert.deepEqual(
      issuesOf({}).map((i) => [i.file, i.message]),
      [['portcullis.yaml', 'file not found']],
    );
    const issues = issuesOf({
      'portcullis.yaml': { ...base, apis: { pets: { ...(base.apis as object), openapi: 'missing.yaml' } } },
    });
    assert.ok(
      issues.some((i) => i.file === 'missing.yaml' || i.path.includes('apis.pets')),
      JSON.stringify(issues),
    );
  });

  test('refuses two APIs that would route the same request on the same host', () => {
    const apis = base.apis as Record<string, Record<string, unknown>>;
    const issues = issuesOf({
      'portcullis.yaml': {
        ...base,
        apis: { pets: apis.pets, pets2: { ...apis.pets, hosts: ['localhost'] } },
      },
    });
    assert.equal(issues.length, 6, JSON.stringify(issues));
    assert.ok(issues.every((i) => i.message.includes('conflicts with') && i.file === 'apis/pets.yaml'));
  });

  test('refuses API routes under the paths the gateway reserves for itself', () => {
    const issues = issuesOf({
      'portcullis.yaml': {
        ...base,
        apis: { pets: { ...(base.apis as Record<string, object>).pets, basePath: '/portcullis' } },
      },
    });
    assert.deepEqual(
      issues.map((i) => i.path),
      ['paths./pets', 'paths./pets/mine', 'paths./pets/{petId}', 'paths./files/{name}.{ext}'],
    );
    assert.ok(issues.every((i) => i.message.includes('reserves for itself')));
  });

  test('refuses an operation granted twice in one contract', () => {
    const issues = issuesOf({
      'portcullis.yaml': base,
      'contracts/a.yaml': {
        version: 1,
        partner: 'a',
        grants: [
          { api: 'pets', operations: ['getPet'] },
          { api: 'pets', operations: ['getPet'], scopes: ['x'] },
        ],
      },
    });
    assert.deepEqual(
      issues.map((i) => i.path),
      ['grants[1].operations[0]'],
    );
  });

  test('accepts the same API paths on different hosts or base paths', () => {
    const apis = base.apis as Record<string, Record<string, unknown>>;
    const config = tempConfigDir({
      'apis/pets.yaml': PETS_OPENAPI,
      'portcullis.yaml': {
        ...base,
        apis: {
          pets: apis.pets,
          v2: { ...apis.pets, basePath: '/v2' },
          other: { ...apis.pets, hosts: ['other.example'] },
        },
      },
    });
    dirs.push(config);
    assert.equal(compilePlan(config.dir).apis.size, 3);
  });
});
