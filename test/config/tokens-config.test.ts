import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { ConfigError, type ConfigIssue } from '../../src/config/issues.ts';
import { compilePlan } from '../../src/config/plan.ts';
import { contractFile, gatewayFile, PETS_OPENAPI, tempConfigDir } from '../support/config.ts';

const dirs: { remove(): void }[] = [];
after(() => {
  for (const d of dirs) d.remove();
});

const IDP = { issuer: 'https://idp.test', jwksUri: 'https://idp.test/jwks', algorithms: ['RS256'] };

function compile(gateway: Record<string, unknown>, contracts: Record<string, unknown> = {}) {
  const config = tempConfigDir({
    'apis/pets.yaml': PETS_OPENAPI,
    'portcullis.yaml': gatewayFile({ upstreamUrl: 'http://127.0.0.1:9', extra: gateway }),
    'contracts/acme.yaml': contractFile('acme', ['listPets']),
    ...contracts,
  });
  dirs.push(config);
  return compilePlan(config.dir);
}

function issuesOf(gateway: Record<string, unknown>, contracts: Record<string, unknown> = {}): ConfigIssue[] {
  try {
    compile(gateway, contracts);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return [...error.issues];
  }
  assert.fail('expected the configuration to be rejected');
}

const paths = (issues: ConfigIssue[]) => issues.map((i) => i.path);

describe('token service and issuer configuration', () => {
  test('defaults: 5-minute ES256 tokens, keys rotated every 30 days, bearer checks bounded', () => {
    const plan = compile({ tokens: { issuer: 'https://gw.test' } });
    assert.equal(plan.tokens?.accessTokenTtlSeconds, 300);
    assert.equal(plan.tokens?.signing.algorithm, 'ES256');
    assert.equal(plan.tokens?.signing.rotateAfterMs, 30 * 86_400_000);
    assert.equal(plan.tokens?.audiences.get('pets'), 'urn:portcullis:api:pets');
    const bearer = plan.authentication.bearer!;
    assert.deepEqual([bearer.maxTokenBytes, bearer.clockSkewSeconds], [8192, 30]);
    assert.equal(bearer.issuers.get('https://gw.test')?.typ, 'at+jwt');
  });

  test('no issuer at all means no bearer authentication', () => {
    assert.equal(compile({}).authentication.bearer, undefined);
  });

  test('an issuer may never allow none or an HMAC algorithm', () => {
    for (const alg of ['none', 'HS256', 'HS512']) {
      const issues = issuesOf({
        authentication: { issuers: { idp: { ...IDP, algorithms: ['RS256', alg] } } },
      });
      assert.deepEqual(paths(issues), ['authentication.issuers.idp.algorithms[1]'], alg);
    }
  });

  test('a JWKS URI must be https unless it is on loopback', () => {
    const issues = issuesOf({
      authentication: { issuers: { idp: { ...IDP, jwksUri: 'http://idp.test/jwks' } } },
    });
    assert.deepEqual(paths(issues), ['authentication.issuers.idp.jwksUri']);
    compile({ authentication: { issuers: { idp: { ...IDP, jwksUri: 'http://127.0.0.1:1/jwks' } } } });
  });

  test('the token service issuer is an origin and token lifetimes are bounded', () => {
    assert.deepEqual(paths(issuesOf({ tokens: { issuer: 'https://gw.test/path' } })), ['tokens.issuer']);
    assert.deepEqual(
      paths(issuesOf({ tokens: { issuer: 'https://gw.test', accessTokenTtlSeconds: 86_400 } })),
      ['tokens.accessTokenTtlSeconds'],
    );
    assert.deepEqual(
      paths(issuesOf({ tokens: { issuer: 'https://gw.test', signing: { algorithm: 'RS256' } } })),
      ['tokens.signing.algorithm'],
    );
  });

  test('issuers must be distinct and `portcullis` is the built-in one', () => {
    const duplicated = issuesOf({
      tokens: { issuer: 'https://idp.test' },
      authentication: { issuers: { idp: IDP } },
    });
    assert.deepEqual(paths(duplicated), ['authentication.issuers.idp.issuer']);
    assert.deepEqual(paths(issuesOf({ authentication: { issuers: { portcullis: IDP } } })), [
      'authentication.issuers.portcullis',
    ]);
  });

  test('contract bindings must name a configured issuer, and a client id belongs to one partner', () => {
    const gateway = { authentication: { issuers: { idp: IDP } } };
    const bound = (partner: string, issuers: unknown[]) => ({
      [`contracts/${partner}.yaml`]: contractFile(partner, ['listPets'], { credentials: { issuers } }),
    });
    const issues = issuesOf(gateway, {
      ...bound('acme', [
        { issuer: 'idp', clients: [{ id: 'app-1' }] },
        { issuer: 'okta', clients: [{ id: 'x' }] },
      ]),
      ...bound('globex', [{ issuer: 'idp', clients: [{ id: 'app-1' }] }, { issuer: 'idp' }]),
    });
    assert.deepEqual(paths(issues).sort(), [
      'credentials.issuers[0].clients[0].id',
      'credentials.issuers[1]',
      'credentials.issuers[1].issuer',
    ]);
  });

  test('an exchange must lead to an API the contract grants, within its scopes', () => {
    const contract = (exchanges: unknown[]) => ({
      'contracts/acme.yaml': {
        version: 1,
        partner: 'acme',
        grants: [{ api: 'pets', operations: ['listPets'], scopes: ['pets:read'] }],
        credentials: { tokens: { exchanges } },
      },
    });
    const tokens = { tokens: { issuer: 'https://gw.test' } };
    const issues = issuesOf(
      tokens,
      contract([
        { from: 'nowhere', to: 'pets' },
        { from: 'pets', to: 'billing' },
        { from: 'pets', to: 'pets', scopes: ['pets:write'] },
      ]),
    );
    assert.deepEqual(paths(issues), [
      'credentials.tokens.exchanges[0].from',
      'credentials.tokens.exchanges[1].to',
      'credentials.tokens.exchanges[2].scopes[0]',
    ]);
    assert.deepEqual(paths(issuesOf({}, contract([{ from: 'pets', to: 'pets' }]))), [
      'credentials.tokens.exchanges[0]',
    ]);
  });

  test('two APIs may not share an audience', () => {
    const issues = issuesOf({
      tokens: { issuer: 'https://gw.test' },
      apis: {
        pets: {
          openapi: 'apis/pets.yaml',
          hosts: ['a.test'],
          upstream: { url: 'http://127.0.0.1:9' },
          audience: 'api://x',
        },
        more: {
          openapi: 'apis/pets.yaml',
          hosts: ['b.test'],
          upstream: { url: 'http://127.0.0.1:9' },
          audience: 'api://x',
        },
      },
    });
    assert.deepEqual(paths(issues), ['apis.more.audience']);
  });
});
