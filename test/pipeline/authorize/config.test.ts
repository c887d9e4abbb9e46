import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { contractFile } from '../../support/config.ts';
import { compileWith, issuesOf } from './support.ts';

describe('compiling authorisation policies', () => {
  test('gives every policy a stable id: contract grant, or file and @id or index', () => {
    const plan = compileWith({
      'policies/ops.cedar':
        '@id("night") forbid (principal, action, resource) when { context.time.minuteOfDay < 60 };\n' +
        'permit (principal == Portcullis::Application::"acme/ops", action, resource);\n',
    });
    assert.deepEqual(
      [...plan.authorization.live.policies.keys()],
      ['contract:acme:grant:0', 'file:policies/ops.cedar:night', 'file:policies/ops.cedar:1'],
    );
    assert.equal(plan.authorization.shadow, undefined);
  });

  test('a policy that fails strict validation blocks the load, located by file, line and column', () => {
    assert.deepEqual(
      issuesOf({
        'policies/bad.cedar':
          '// é, a comment\npermit (principal, action, resource)\nwhen { context.nope == 1 };\n',
      }),
      [
        'policies/bad.cedar:3:8 : for policy `file:policies/bad.cedar:0`, attribute `nope` in context not found (did you mean `scopes`?)',
      ],
    );
  });

  test('reports a syntax error where it is', () => {
    const [issue] = issuesOf({
      'policies/syntax.cedar': 'permit (principal, action, resource)\n  when { 1 + };\n',
    });
    assert.match(issue!, /^policies\/syntax\.cedar:2:14 : unexpected token `}`/);
  });

  test('refuses an optional attribute read without `has`, an unknown action and an unknown entity type', () => {
    const issues = issuesOf({
      'policies/a.cedar': 'forbid (principal, action, resource) when { context.scopes.contains("x") };',
      'policies/b.cedar': 'forbid (principal, action == Portcullis::Action::"pets:nope", resource);',
      'policies/shadow/c.cedar': 'permit (principal is Portcullis::Robot, action, resource);',
    });
    assert.equal(issues.length, 3, issues.join('\n'));
    assert.match(issues[0]!, /^policies\/a\.cedar:1:45 .*optional attribute `scopes`/);
    assert.match(issues[1]!, /^policies\/b\.cedar:1:/);
    assert.match(issues[2]!, /^policies\/shadow\/c\.cedar:1:/);
  });

  test('refuses templates and a policy id used twice in a file', () => {
    assert.deepEqual(
      issuesOf({
        'policies/t.cedar': 'permit (principal == ?principal, action, resource);\n',
        'policies/dup.cedar':
          '@id("a") permit (principal, action, resource);\n@id("a") forbid (principal, action, resource);\n',
      }),
      [
        'policies/dup.cedar:2:1 : policy id `file:policies/dup.cedar:a` is used twice in this file (see @id)',
        'policies/t.cedar:1:22 : policy templates (`?principal`, `?resource`) are not supported',
      ],
    );
  });

  test('checks grant conditions: networks must be addresses or CIDRs, a time window must not be empty', () => {
    const grant = {
      api: 'pets',
      operations: ['listPets'],
      networks: ['10.0.0.0/8', '10.0.0.0/33', 'example.com'],
      timeWindows: [{ from: '10:00', to: '10:00' }],
    };
    assert.deepEqual(issuesOf({ 'contracts/acme.yaml': contractFile('acme', [], { grants: [grant] }) }), [
      'contracts/acme.yaml:9:9 grants[0].networks[1]: must be an IP address or CIDR block',
      'contracts/acme.yaml:10:9 grants[0].networks[2]: must be an IP address or CIDR block',
      'contracts/acme.yaml:13:13 grants[0].timeWindows[0].to: must differ from `from`',
    ]);
  });

  test('a time window names a valid IANA zone, or an offset, not both', () => {
    const grant = {
      api: 'pets',
      operations: ['listPets'],
      timeWindows: [
        { from: '09:00', to: '17:00', timeZone: 'Europe/Pariss' },
        { from: '09:00', to: '17:00', timeZone: 'Europe/Paris', utcOffset: '+01:00' },
      ],
    };
    const issues = issuesOf({ 'contracts/acme.yaml': contractFile('acme', [], { grants: [grant] }) });
    assert.deepEqual(
      issues.map((i) => i.split(' ').slice(1).join(' ')),
      [
        'grants[0].timeWindows[0].timeZone: must be an IANA time zone like Europe/Paris',
        'grants[0].timeWindows[1].timeZone: give either `utcOffset` or `timeZone`, not both',
      ],
    );
  });

  test('rejects malformed time windows by schema', () => {
    const grant = {
      api: 'pets',
      operations: ['listPets'],
      timeWindows: [{ days: ['fun'], from: '9:00', to: '24:01' }],
    };
    const issues = issuesOf({ 'contracts/acme.yaml': contractFile('acme', [], { grants: [grant] }) });
    assert.deepEqual(
      issues.map((i) => i.split(' ')[1]),
      ['grants[0].timeWindows[0].days[0]:', 'grants[0].timeWindows[0].from:', 'grants[0].timeWindows[0].to:'],
    );
  });

  test('rejects unknown keys of the authorization section', () => {
    const [issue] = issuesOf({}, { authorization: { partnerReason: 'none' } });
    assert.match(issue!, /portcullis\.yaml:\d+:\d+ authorization\.partnerReason: unknown key/);
  });

  test('builds the candidate set from the live files overlaid by policies/shadow/', () => {
    const plan = compileWith({
      'policies/a.cedar': '@id("a") forbid (principal, action, resource) when { context.riskScore > 90 };',
      'policies/b.cedar': '@id("b") forbid (principal, action, resource) when { context.riskScore > 80 };',
      'policies/shadow/a.cedar':
        '@id("a2") forbid (principal, action, resource) when { context.riskScore > 50 };',
      'policies/shadow/new/c.cedar':
        '@id("c") forbid (principal, action, resource) when { context.riskScore > 70 };',
    });
    assert.deepEqual(
      [...plan.authorization.live.policies.keys()],
      ['contract:acme:grant:0', 'file:policies/a.cedar:a', 'file:policies/b.cedar:b'],
    );
    assert.deepEqual(
      [...plan.authorization.shadow!.policies.keys()],
      [
        'contract:acme:grant:0',
        'file:policies/shadow/a.cedar:a2',
        'file:policies/b.cedar:b',
        'file:policies/shadow/new/c.cedar:c',
      ],
    );
  });

  test('an empty shadow file removes its live counterpart from the candidate set', () => {
    const plan = compileWith({
      'policies/a.cedar': '@id("a") forbid (principal, action, resource) when { context.riskScore > 90 };',
      'policies/shadow/a.cedar': '// candidate: drop this forbid\n',
    });
    assert.deepEqual([...plan.authorization.shadow!.policies.keys()], ['contract:acme:grant:0']);
  });

  test('a change to a policy file changes the plan version', () => {
    const a = compileWith({
      'policies/a.cedar': 'forbid (principal, action, resource) when { context.riskScore > 90 };',
    });
    const b = compileWith({
      'policies/a.cedar': 'forbid (principal, action, resource) when { context.riskScore > 91 };',
    });
    assert.notEqual(a.version, b.version);
  });
});
