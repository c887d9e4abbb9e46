import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { ConfigError, type ConfigIssue } from '../../../src/config/issues.ts';
import { compilePlan } from '../../../src/config/plan.ts';
import { contractFile, gatewayFile, tempConfigDir } from '../../support/config.ts';
import { SHOP_OPENAPI, SHOP_OPERATIONS } from '../../support/shop.ts';

const dirs: { remove(): void }[] = [];
after(() => {
  for (const d of dirs) d.remove();
});

const gateway = gatewayFile({ upstreamUrl: 'http://127.0.0.1:9' });

function compile(files: Record<string, unknown>) {
  const config = tempConfigDir({ 'portcullis.yaml': gateway, 'apis/pets.yaml': SHOP_OPENAPI, ...files });
  dirs.push(config);
  return compilePlan(config.dir);
}

function issuesOf(files: Record<string, unknown>): string[] {
  try {
    compile(files);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.issues.map((i: ConfigIssue) => `${i.file}:${i.line} ${i.path}: ${i.message}`);
  }
  assert.fail('expected the configuration to be rejected');
}

const contract = (content: Record<string, unknown>) => ({
  'contracts/acme.yaml': contractFile('acme', SHOP_OPERATIONS, { content }),
});

describe('content rules in the configuration', () => {
  test('keeps existing contracts valid with fail-closed defaults', () => {
    const plan = compile(contract({}));
    const rules = plan.inspection.rules.get('acme')!;
    const createOrder = [...rules.keys()].find((o) => o.id === 'createOrder')!;
    const compiled = rules.get(createOrder)!;
    assert.equal(compiled.maxBodyBytes, 1024 * 1024);
    assert.deepEqual([...compiled.encodings], []);
    assert.equal(compiled.json.prototypeKeys, 'reject');
    assert.equal(compiled.rejectUnknownQuery, true);
    assert.equal(compiled.scanUploads, false);
    assert.equal(compiled.response, undefined);
  });

  test('applies per-operation overrides on top of the partner rules, adding deny rules', () => {
    const plan = compile(
      contract({
        maxBodyBytes: 100,
        deny: { fields: ['/a'] },
        operations: {
          'pets.createOrder': { maxBodyBytes: 200, json: { maxDepth: 3 }, deny: { fields: ['/b'] } },
        },
      }),
    );
    const rules = plan.inspection.rules.get('acme')!;
    const byId = (id: string) => rules.get([...rules.keys()].find((o) => o.id === id)!)!;
    assert.equal(byId('createOrder').maxBodyBytes, 200);
    assert.equal(byId('createOrder').json.maxDepth, 3);
    assert.equal(byId('createOrder').json.maxKeys, 1000);
    assert.deepEqual(byId('createOrder').deny?.fields, [['a'], ['b']]);
    assert.equal(byId('getOrder').maxBodyBytes, 100);
  });

  test('reports unknown keys and malformed values of the content section, located', () => {
    const text = issuesOf(
      contract({
        deny: { fields: ['no-slash'] },
        jsn: {},
        operations: { 'pets.getOrder': { maxBodyByte: 1 } },
      }),
    ).join('\n');
    assert.match(text, /contracts\/acme\.yaml:\d+ content\.jsn: unknown key `jsn` \(did you mean `json`\?\)/);
    assert.match(text, /content\.deny\.fields\[0\]: must be a JSON pointer/);
    assert.match(text, /content\.operations\.pets\.getOrder\.maxBodyByte: unknown key/);
  });

  test('reports unknown operations, scanning without clamd and invalid patterns, located', () => {
    const text = issuesOf(
      contract({
        scan: { uploads: true },
        deny: { patterns: [{ name: 'bad', regex: '(' }] },
        operations: { 'pets.nope': {}, 'shop.createOrder': {} },
      }),
    ).join('\n');
    assert.match(text, /content\.scan\.uploads: scanning uploads needs `scanning\.clamd`/);
    assert.match(text, /content\.deny\.patterns\[0\]\.regex: is not a valid regular expression/);
    assert.match(text, /content\.operations\.pets\.nope: API `pets` has no operation `nope`/);
    assert.match(text, /unknown API `shop`/);
  });

  test('reports a clamd address that is neither a socket nor host and port', () => {
    const issues = issuesOf({
      'portcullis.yaml': gatewayFile({
        upstreamUrl: 'http://127.0.0.1:9',
        extra: { scanning: { clamd: { host: 'x' } } },
      }),
      ...contract({}),
    });
    assert.match(issues.join('\n'), /scanning\.clamd: give either `socket`, or both `host` and `port`/);
  });

  test('reports schemas the gateway cannot enforce in the OpenAPI document, located', () => {
    const broken = (from: string, to: string) => {
      assert.ok(SHOP_OPENAPI.includes(from));
      return issuesOf({ 'apis/pets.yaml': SHOP_OPENAPI.replace(from, to), ...contract({}) }).join('\n');
    };
    assert.match(
      broken(
        '- { name: dryRun, in: query, schema',
        '- { name: dryRun, in: query, style: spaceDelimited, schema',
      ),
      /apis\/pets\.yaml:8 paths\.\/orders\.post\.parameters\[0\]\.style: parameter style `spaceDelimited` is not supported/,
    );
    assert.match(
      broken("$ref: '#/components/schemas/Address'", "$ref: 'other.yaml#/Address'"),
      /apis\/pets\.yaml:\d+ components\.schemas\.Order\.properties\.address\.\$ref: only references within the same document/,
    );
    assert.match(
      broken("$ref: '#/components/schemas/Address'", "$ref: '#/components/schemas/Nope'"),
      /does not resolve/,
    );
    assert.match(broken('format: email', 'format: phone-number'), /unknown format "phone-number"/);
    assert.match(broken('minLength: 1,', 'minLenght: 1,'), /unknown keyword: "minLenght"/);
  });
});
