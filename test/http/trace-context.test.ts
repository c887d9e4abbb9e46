import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { traceContextFor, traceIdOf, traceparentOf } from '../../src/http/trace-context.ts';

const parent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const NEW = traceIdOf(randomUUID());

describe('trace context', () => {
  test('continues a valid traceparent with a new span of its own', () => {
    const t = traceContextFor(parent, 'vendor=1', NEW);
    assert.equal(t.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
    assert.equal(t.parentSpanId, '00f067aa0ba902b7');
    assert.notEqual(t.spanId, '00f067aa0ba902b7');
    assert.match(traceparentOf(t), /^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    assert.equal(t.state, 'vendor=1');
  });

  test('starts a new trace for an invalid, all-zero or version-ff traceparent', () => {
    for (const bad of [
      'garbage',
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
      'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01',
      `${parent}-extra`,
    ]) {
      const t = traceContextFor(bad, 'vendor=1', NEW);
      assert.equal(t.traceId, NEW, bad);
      assert.equal(t.parentSpanId, undefined);
      assert.equal(t.state, undefined);
      assert.match(traceparentOf(t), /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    }
  });

  test('gives every span its own random id, across refills of the random pool', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 1500; i++) {
      const { spanId } = traceContextFor(undefined, undefined, NEW);
      assert.match(spanId, /^[0-9a-f]{16}$/);
      assert.notEqual(spanId, '0000000000000000');
      ids.add(spanId);
    }
    assert.equal(ids.size, 1500);
  });

  test('derives a new trace id from a UUID', () => {
    assert.equal(traceIdOf('4bf92f35-77b3-4da6-a3ce-929d0e0e4736'), '4bf92f3577b34da6a3ce929d0e0e4736');
  });

  test('accepts a future version with extra fields', () => {
    assert.equal(
      traceContextFor(`01${parent.slice(2)}-abc`, undefined, NEW).parentSpanId,
      '00f067aa0ba902b7',
    );
  });
});
