import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { runCli } from '../support/cli.ts';
import { contractFile, gatewayFile, PETS_OPENAPI, tempConfigDir } from '../support/config.ts';

const QUICKSTART = new URL('../../examples/quickstart/', import.meta.url).pathname;

describe('portcullis check', () => {
  const broken = tempConfigDir({
    'portcullis.yaml': gatewayFile({ upstreamUrl: 'http://127.0.0.1:9' }),
    'apis/pets.yaml': PETS_OPENAPI,
    'contracts/acme.yaml': contractFile('acme', ['listPets', 'nope']),
    'contracts/beta.yaml': 'version: 1\npartner: beta\ngrnats: []\n',
  });
  after(() => broken.remove());

  test('accepts the quickstart and summarises the plan', async () => {
    const r = await runCli(['check', QUICKSTART]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ok: plan [0-9a-f]{16}: 1 API\(s\), 4 operation\(s\), 1 contract\(s\)$/m);
  });

  test('lists every error as file:line:column and exits 1', async () => {
    const r = await runCli(['check', broken.dir]);
    assert.equal(r.code, 1);
    const lines = r.stderr.trim().split('\n');
    assert.deepEqual(lines, [
      'contracts/acme.yaml:7:9: API `pets` has no operation `nope` (at grants[0].operations[1])',
      'contracts/beta.yaml:3:1: unknown key `grnats` (did you mean `grants`?) (at grnats)',
      '2 error(s) in the configuration',
    ]);
  });

  test('locates an invalid Cedar policy by file, line and column', async () => {
    const dir = tempConfigDir({
      'portcullis.yaml': gatewayFile({ upstreamUrl: 'http://127.0.0.1:9' }),
      'apis/pets.yaml': PETS_OPENAPI,
      'contracts/acme.yaml': contractFile('acme', ['listPets']),
      'policies/ops.cedar':
        '@id("night")\nforbid (principal, action, resource)\n  when { context.time.hour < 6 };\n',
    });
    try {
      const r = await runCli(['check', dir.dir]);
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /^policies\/ops\.cedar:3:10: for policy `file:policies\/ops\.cedar:night`, attribute `time.hour` in context not found/m,
      );
    } finally {
      dir.remove();
    }
  });

  test('counts the policies and prints the generated Cedar schema with --cedar-schema', async () => {
    const summary = await runCli(['check', QUICKSTART]);
    assert.match(summary.stdout, /^cedar: 3 live policies, validated against the generated schema$/m);
    const r = await runCli(['check', QUICKSTART, '--cedar-schema']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /action "orders:deleteOrder" in \[Action::"orders"\]/);
    assert.match(r.stdout, /entity Application in \[Partner\];/);
  });

  test('prints JSON with --json', async () => {
    const r = await runCli(['check', QUICKSTART, '--json']);
    assert.equal(JSON.parse(r.stdout).ok, true);
  });

  test('refuses unknown options with exit code 2', async () => {
    const r = await runCli(['check', '--nope']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /usage error/);
  });
});
