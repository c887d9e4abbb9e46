import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { contractFile } from '../../support/config.ts';
import { compileWith, deciderFor } from './support.ts';

const FORBID_CREATE =
  '@id("no-create") forbid (principal, action == Portcullis::Action::"pets:createPet", resource);';
const PERMIT_DELETE =
  '@id("delete") permit (principal in Portcullis::Partner::"acme", action == Portcullis::Action::"pets:deletePet", resource);';

describe('shadow policies', () => {
  test('are evaluated beside the live set and never change the answer', (t) => {
    const decide = deciderFor(
      compileWith({ 'policies/shadow/candidate.cedar': `${FORBID_CREATE}\n${PERMIT_DELETE}` }),
      t,
    );
    const create = decide({ operation: 'createPet' });
    assert.equal(create.denial, undefined, 'the live answer stands');
    assert.equal(create.authorization?.shadow?.denial?.code, 'operation_forbidden');
    assert.deepEqual(create.authorization?.shadow?.policies, [
      'file:policies/shadow/candidate.cedar:no-create',
    ]);

    const remove = decide({ operation: 'deletePet' });
    assert.equal(remove.denial?.code, 'operation_not_granted', 'the live answer stands');
    assert.equal(remove.authorization?.shadow?.allowed, true);

    assert.equal(
      decide({ operation: 'listPets' }).authorization?.shadow,
      undefined,
      'no difference, nothing to report',
    );
    assert.equal(decide.point.counters.shadowDifferences, 2);
  });

  test('count a difference on every request, cached or not', (t) => {
    const decide = deciderFor(compileWith({ 'policies/shadow/candidate.cedar': FORBID_CREATE }), t);
    decide({ operation: 'createPet' });
    const again = decide({ operation: 'createPet' });
    assert.equal(again.authorization?.shadow?.denial?.code, 'operation_forbidden');
    assert.equal(decide.point.counters.cacheHits, 1);
    assert.equal(decide.point.counters.shadowDifferences, 2);
  });

  test('a replaced live file is judged by its candidate version', (t) => {
    const decide = deciderFor(
      compileWith({
        'policies/risk.cedar':
          '@id("risk") forbid (principal, action, resource) when { context.riskScore > 90 };',
        'policies/shadow/risk.cedar':
          '@id("risk") forbid (principal, action, resource) when { context.riskScore > 50 };',
      }),
      t,
    );
    const ex = decide({ riskScore: 70 });
    assert.equal(ex.denial, undefined);
    assert.deepEqual(ex.authorization?.shadow?.policies, ['file:policies/shadow/risk.cedar:risk']);
    assert.equal(decide({ riskScore: 95 }).authorization?.shadow, undefined, 'both forbid: no difference');
  });

  test('cost nothing for partners whose policies the candidate does not change', (t) => {
    const decide = deciderFor(
      compileWith({
        'contracts/beta.yaml': contractFile('beta', ['listPets']),
        'policies/shadow/beta.cedar': 'forbid (principal in Portcullis::Partner::"beta", action, resource);',
      }),
      t,
    );
    assert.equal(decide().authorization?.shadow, undefined);
    assert.equal(decide.point.counters.slicesLoaded, 1, 'acme: the live slice only');
    assert.equal(
      decide({ identity: { partner: 'beta' } }).authorization?.shadow?.denial?.code,
      'operation_forbidden',
    );
    assert.equal(decide.point.counters.slicesLoaded, 3);
  });
});
