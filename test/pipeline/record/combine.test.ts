import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Exchange } from '../../../src/pipeline/exchange.ts';
import { combineRecorders } from '../../../src/pipeline/record/combine.ts';
import type { Recorder } from '../../../src/pipeline/record/recorder.ts';

describe('combineRecorders', () => {
  test('hands every outcome to each recorder even when one throws', () => {
    const seen: string[] = [];
    const errors: unknown[] = [];
    const failing: Recorder = {
      request: () => {
        throw new Error('boom');
      },
      listenerRejection: () => {
        throw new Error('boom');
      },
    };
    const counting: Recorder = {
      request: () => void seen.push('request'),
      listenerRejection: () => void seen.push('rejection'),
    };
    const combined = combineRecorders([failing, counting], (e) => errors.push(e));
    combined.request({} as Exchange);
    combined.listenerRejection({ decisionId: 'd', code: 'request_malformed', peerAddress: '', reason: '' });
    assert.deepEqual(seen, ['request', 'rejection']);
    assert.equal(errors.length, 2);
  });
});
