import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { traceContextFor, traceIdOf } from '../../../src/http/trace-context.ts';
import { newTraceSampler } from '../../../src/observe/tracing/sampling.ts';

const ids = Array.from({ length: 2000 }, () => traceIdOf(randomUUID()));

describe('sampling the traces the gateway starts', () => {
  test('ratio 0 samples none, ratio 1 all, and a ratio in between about its share', () => {
    assert.equal(ids.filter(newTraceSampler(0)).length, 0);
    assert.equal(ids.filter(newTraceSampler(1)).length, ids.length);
    const quarter = ids.filter(newTraceSampler(0.25)).length / ids.length;
    assert.ok(quarter > 0.18 && quarter < 0.32, `sampled ${quarter}`);
  });

  test('decides by the trace id, so a decision is the same wherever it is made', () => {
    const sample = newTraceSampler(0.5);
    assert.deepEqual(ids.map(sample), ids.map(newTraceSampler(0.5)));
  });

  test('sets the flag of a new trace, and never re-decides a caller trace', () => {
    const none = () => false;
    assert.equal(traceContextFor(undefined, undefined, ids[0]!, none).flags, '00');
    assert.equal(traceContextFor(undefined, undefined, ids[0]!).flags, '01');
    const caller = `00-${ids[1]}-00f067aa0ba902b7-01`;
    assert.equal(traceContextFor(caller, undefined, ids[0]!, none).flags, '01');
  });
});
