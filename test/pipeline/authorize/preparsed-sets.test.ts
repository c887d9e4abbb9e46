import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { evaluate } from '../../../src/pipeline/authorize/cedar.ts';
import { PreparsedSets } from '../../../src/pipeline/authorize/preparsed-sets.ts';

const request = {
  principal: { type: 'Portcullis::Application', id: 'acme/a' },
  action: { type: 'Portcullis::Action', id: 'pets:listPets' },
  resource: { type: 'Portcullis::Api', id: 'pets' },
  context: {},
  entities: [],
};

describe('preparsed policy sets', () => {
  test('are emptied when their runtime closes, and their ids are reused rather than piling up', () => {
    const first = new PreparsedSets();
    const id = first.add('partner:acme', { all: 'permit (principal, action, resource);' });
    assert.equal(evaluate(id, request).allow, true);
    first.release();
    assert.deepEqual(evaluate(id, request), { allow: false, policies: [], errors: [] });

    const next = new PreparsedSets();
    assert.equal(next.add('partner:acme', {}), id, 'the next runtime reuses the freed namespace');
    next.release();
  });

  test('an unknown set denies with an error instead of throwing', () => {
    const answer = evaluate('no-such-set', request);
    assert.equal(answer.allow, false);
    assert.match(answer.errors[0] ?? '', /^request: /);
  });
});
