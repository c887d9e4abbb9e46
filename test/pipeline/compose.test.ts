import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, test } from 'node:test';
import { composePipeline } from '../../src/pipeline/compose.ts';
import { Exchange } from '../../src/pipeline/exchange.ts';
import { type Denial, deny } from '../../src/pipeline/stage.ts';

function fakeExchange(): Exchange {
  const req = { socket: { remoteAddress: '127.0.0.1' }, headers: {} } as unknown as IncomingMessage;
  const res = { headersSent: false, destroyed: false } as unknown as ServerResponse;
  return new Exchange('id', req, res, 0, 'v1');
}

function recorder() {
  const events: string[] = [];
  return {
    events,
    hooks: {
      reject: (_ex: Exchange, d: Denial) => events.push(`reject:${d.code}`),
      fail: (_ex: Exchange, e: unknown) => events.push(`fail:${(e as Error).message}`),
    },
    respond: () => events.push('respond'),
  };
}

const pass = () => undefined;

describe('composePipeline', () => {
  test('runs stages in order and then the responder', () => {
    const r = recorder();
    const order: string[] = [];
    const p = composePipeline(
      [
        { name: 'a', run: () => void order.push('a'), enforced: true, forLocal: true },
        { name: 'b', run: () => void order.push('b'), enforced: true, forLocal: true },
      ],
      r.respond,
      r.hooks,
    );
    p.run(fakeExchange());
    assert.deepEqual(order, ['a', 'b']);
    assert.deepEqual(r.events, ['respond']);
    assert.deepEqual(
      p.counters.map((c) => [c.name, c.evaluated, c.allowed]),
      [
        ['a', 1, 1],
        ['b', 1, 1],
      ],
    );
  });

  test('stops at the first denial and never responds', () => {
    const r = recorder();
    let reachedB = false;
    const p = composePipeline(
      [
        { name: 'a', run: () => deny('route_not_found'), enforced: true, forLocal: true },
        {
          name: 'b',
          run: () => {
            reachedB = true;
            return undefined;
          },
          enforced: true,
          forLocal: true,
        },
      ],
      r.respond,
      r.hooks,
    );
    const ex = fakeExchange();
    p.run(ex);
    assert.equal(reachedB, false);
    assert.deepEqual(r.events, ['reject:route_not_found']);
    assert.equal(ex.denial?.code, 'route_not_found');
    assert.equal(ex.stage, 'a');
    assert.equal(p.counters[0]!.denied, 1);
  });

  test('records a non-enforced denial as a shadow denial and goes on', () => {
    const r = recorder();
    const p = composePipeline(
      [
        {
          name: 'limit',
          run: () => deny('operation_not_granted', undefined, { reason: 'x' }),
          enforced: false,
          forLocal: true,
        },
      ],
      r.respond,
      r.hooks,
    );
    const ex = fakeExchange();
    p.run(ex);
    assert.deepEqual(r.events, ['respond']);
    assert.deepEqual(ex.shadowDenials, [{ stage: 'limit', code: 'operation_not_granted', reason: 'x' }]);
    assert.equal(p.counters[0]!.shadowDenied, 1);
  });

  test('awaits asynchronous verdicts, denials included', async () => {
    const r = recorder();
    const p = composePipeline(
      [
        { name: 'a', run: async () => undefined, enforced: true, forLocal: true },
        { name: 'b', run: async () => deny('credential_invalid'), enforced: true, forLocal: true },
      ],
      r.respond,
      r.hooks,
    );
    p.run(fakeExchange());
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(r.events, ['reject:credential_invalid']);
  });

  test('treats a thrown exception or a rejected promise as a bug, not a denial', async () => {
    const r = recorder();
    composePipeline(
      [
        {
          name: 'a',
          run: () => {
            throw new Error('boom');
          },
          enforced: true,
          forLocal: true,
        },
      ],
      r.respond,
      r.hooks,
    ).run(fakeExchange());
    composePipeline(
      [{ name: 'a', run: () => Promise.reject(new Error('later')), enforced: true, forLocal: true }],
      r.respond,
      r.hooks,
    ).run(fakeExchange());
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(r.events, ['fail:boom', 'fail:later']);
  });

  test('fails a stage that answered the client and still let the request continue', () => {
    const r = recorder();
    const ex = fakeExchange();
    const p = composePipeline(
      [
        {
          name: 'sneaky',
          run: (e) => void Object.assign(e.res, { headersSent: true }),
          enforced: true,
          forLocal: true,
        },
      ],
      r.respond,
      r.hooks,
    );
    p.run(ex);
    assert.deepEqual(r.events, ['fail:stage sneaky answered the request and let it continue']);
  });

  test('rejects a stage that is not a function and repeated names', () => {
    const r = recorder();
    assert.throws(
      () =>
        composePipeline(
          [{ name: 'a', run: 'nope' as never, enforced: true, forLocal: true }],
          r.respond,
          r.hooks,
        ),
      TypeError,
    );
    assert.throws(
      () =>
        composePipeline(
          [
            { name: 'a', run: pass, enforced: true, forLocal: true },
            { name: 'a', run: pass, enforced: true, forLocal: true },
          ],
          r.respond,
          r.hooks,
        ),
      TypeError,
    );
  });
});

describe('stage timing marks', () => {
  test('record each stage and the forward step in order, with rising times', () => {
    const r = recorder();
    const p = composePipeline(
      [
        { name: 'a', run: pass, enforced: true, forLocal: true },
        { name: 'b', run: pass, enforced: true, forLocal: true },
      ],
      r.respond,
      r.hooks,
    );
    const ex = fakeExchange();
    p.run(ex);
    assert.deepEqual(
      ex.marks.filter((_, i) => i % 2 === 0),
      ['a', 'b', 'forward'],
    );
    const times = ex.marks.filter((_, i) => i % 2 === 1) as number[];
    assert.ok(times.every((t, i) => i === 0 || t >= times[i - 1]!));
  });
});
