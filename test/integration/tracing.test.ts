import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TracingConfig } from '../../src/observe/tracing/config.ts';
import { startTracing, type Tracing } from '../../src/observe/tracing/tracing.ts';
import type { Recorder } from '../../src/pipeline/record/recorder.ts';
import { SPAN_ATTRIBUTES } from '../../src/pipeline/record/trace.ts';
import { spawnCli } from '../support/child.ts';
import { contractFile, gatewayFile, PETS_OPENAPI, tempConfigDir } from '../support/config.ts';
import { captureLogger, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { type ExportedSpan, type OtlpReceiver, startOtlpReceiver } from '../support/otlp-receiver.ts';
import { recordTestSecret } from '../support/secrets.ts';

const SERVER = 2;
const INTERNAL = 1;
const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const COLLECTOR_TOKEN = 'collector-token-6d1f0c9a2b';

/** Resolves once the gateway has recorded `n` requests in all (its recorders run in order). */
function recordedCounter(): { recorder: Recorder; until(n: number): Promise<void> } {
  let count = 0;
  const waiters: { n: number; resolve: () => void }[] = [];
  return {
    recorder: {
      request() {
        count++;
        for (const w of waiters.filter((w) => w.n <= count)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      },
      listenerRejection() {},
    },
    until: (n) => (n <= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
  };
}

interface Traced {
  readonly t: TestGateway;
  readonly receiver: OtlpReceiver;
  readonly tracing: Tracing;
  readonly logs: string[];
  /** Sends a request, waits until it is recorded and its spans exported; returns its response. */
  send(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

async function tracedGateway(overrides: Partial<TracingConfig> = {}): Promise<Traced> {
  recordTestSecret(COLLECTOR_TOKEN);
  const receiver = await startOtlpReceiver();
  const config: TracingConfig = {
    enabled: true,
    serviceName: 'portcullis-test',
    samplingRatio: 1,
    otlp: {
      endpoint: receiver.url,
      headers: { authorization: `Bearer ${COLLECTOR_TOKEN}` },
      timeoutMs: 5000,
      intervalMs: 60000,
      maxQueueSize: 1000,
    },
    ...overrides,
  };
  const { logger, lines } = captureLogger();
  const tracing = startTracing(config, logger)!;
  const counter = recordedCounter();
  const t = await startTestGateway({
    gateway: { extra: { tracing: config } },
    recorders: [tracing.recorder, counter.recorder],
  });
  let sent = 0;
  return {
    t,
    receiver,
    tracing,
    logs: lines,
    async send(path, init = {}) {
      const res = await fetch(`${t.url}${path}`, init);
      await res.arrayBuffer();
      await counter.until(++sent);
      await tracing.flush();
      return res;
    },
    async close() {
      await t.close();
      await tracing.shutdown();
      await receiver.close();
    },
  };
}

/** The spans of one trace: the gateway's server span and its children, in start order. */
function traceOf(receiver: OtlpReceiver, traceId: string): { server: ExportedSpan; stages: ExportedSpan[] } {
  const spans = receiver.spans().filter((s) => s.traceId === traceId);
  const servers = spans.filter((s) => s.kind === SERVER);
  assert.equal(servers.length, 1, `one server span in ${JSON.stringify(spans.map((s) => s.name))}`);
  const server = servers[0]!;
  const stages = spans.filter((s) => s !== server).sort((a, b) => (a.startNs < b.startNs ? -1 : 1));
  return { server, stages };
}

describe('tracing a request', () => {
  let g: Traced;
  before(async () => {
    g = await tracedGateway();
  });
  after(() => g.close());

  test('continues the caller trace: the server span is the parent the upstream received', async () => {
    const res = await g.send('/pets/7', {
      headers: { 'x-api-key': g.t.key, traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` },
    });
    assert.equal(res.status, 200);
    const upstreamParent = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(
      String(g.t.upstream.requests.at(-1)!.headers.traceparent),
    );
    assert.ok(upstreamParent !== null);
    assert.equal(upstreamParent[1], CALLER_TRACE);

    const { server, stages } = traceOf(g.receiver, CALLER_TRACE);
    assert.equal(stages.length, 7);
    assert.equal(server.spanId, upstreamParent[2]);
    assert.equal(server.parentSpanId, CALLER_SPAN);
    assert.equal(server.name, 'GET /pets/{petId}');
    assert.equal(server.resource['service.name'], 'portcullis-test');
    assert.deepEqual(
      {
        decision: server.attributes[SPAN_ATTRIBUTES.decisionId],
        partner: server.attributes[SPAN_ATTRIBUTES.partner],
        application: server.attributes[SPAN_ATTRIBUTES.application],
        operation: server.attributes[SPAN_ATTRIBUTES.operation],
        status: server.attributes['http.response.status_code'],
        upstream: server.attributes[SPAN_ATTRIBUTES.upstreamStatus],
        route: server.attributes['http.route'],
      },
      {
        decision: res.headers.get('x-request-id'),
        partner: 'acme',
        application: 'default',
        operation: 'pets.getPet',
        status: 200,
        upstream: 200,
        route: '/pets/{petId}',
      },
    );
  });

  test('has one child span per stage, in order, each ending where the next begins', async () => {
    const res = await g.send('/pets', { headers: { 'x-api-key': g.t.key } });
    const traceId = String(g.t.upstream.requests.at(-1)!.headers.traceparent).split('-')[1]!;
    assert.equal(traceId, res.headers.get('x-request-id')!.replaceAll('-', ''));
    const { server, stages } = traceOf(g.receiver, traceId);
    assert.equal(server.parentSpanId, undefined);
    assert.deepEqual(
      stages.map((s) => s.name),
      ['route', 'authenticate', 'limit', 'inspect', 'authorize', 'audit', 'forward'],
    );
    for (const [i, stage] of stages.entries()) {
      assert.equal(stage.parentSpanId, server.spanId);
      assert.equal(stage.kind, INTERNAL);
      assert.ok(
        stage.startNs >= server.startNs && stage.endNs <= server.endNs,
        `${stage.name} within the request`,
      );
      assert.ok(stage.endNs >= stage.startNs);
      if (i > 0) assert.equal(stage.startNs, stages[i - 1]!.endNs);
    }
    assert.equal(stages.at(-1)!.endNs, server.endNs);
  });

  test('a denial carries its code on the server span and on the stage that denied', async () => {
    const before = g.t.upstream.requests.length;
    const res = await g.send('/pets/1', { method: 'DELETE', headers: { 'x-api-key': g.t.key } });
    assert.equal(res.status, 403);
    assert.equal(g.t.upstream.requests.length, before, 'the denied request reached the upstream');
    const traceId = res.headers.get('x-request-id')!.replaceAll('-', '');
    const { server, stages } = traceOf(g.receiver, traceId);
    assert.equal(server.attributes[SPAN_ATTRIBUTES.denialCode], 'operation_not_granted');
    assert.equal(server.attributes[SPAN_ATTRIBUTES.stage], 'authorize');
    assert.deepEqual(
      stages.map((s) => s.name),
      ['route', 'authenticate', 'limit', 'inspect', 'authorize'],
    );
    const denied = stages.at(-1)!;
    assert.equal(denied.attributes[SPAN_ATTRIBUTES.denialCode], 'operation_not_granted');
    assert.equal(denied.status.code, 2);
    assert.equal(stages[0]!.attributes[SPAN_ATTRIBUTES.denialCode], undefined);
  });

  test('an unauthenticated request is traced with its code and no identity', async () => {
    const res = await g.send('/pets');
    assert.equal(res.status, 401);
    const { server } = traceOf(g.receiver, res.headers.get('x-request-id')!.replaceAll('-', ''));
    assert.equal(server.attributes[SPAN_ATTRIBUTES.denialCode], 'credential_missing');
    assert.equal(server.attributes[SPAN_ATTRIBUTES.partner], undefined);
  });

  test('puts no credential, header, query or payload value in any span', async () => {
    const payload = 'payload-value-93ab71';
    const query = 'query-value-5c2e88';
    const cookie = 'cookie-value-0d4f19';
    const res = await g.send('/pets', {
      method: 'POST',
      headers: {
        'x-api-key': g.t.key,
        cookie: `session=${cookie}`,
        'content-type': 'application/json',
        traceparent: `00-${CALLER_TRACE.replace('4b', '5c')}-${CALLER_SPAN}-01`,
      },
      body: JSON.stringify({ name: payload }),
    });
    assert.equal(res.status, 200);
    const withQuery = await g.send(`/pets/7?x=${query}`, {
      headers: { 'x-api-key': g.t.key, cookie: `session=${cookie}` },
    });
    assert.equal(withQuery.status, 200);
    const exported = g.receiver.exports.map((e) => e.body).join('\n');
    assert.ok(exported.includes('pets.createPet'), 'the request was exported');
    for (const secret of [g.t.key, g.t.key.slice(17), payload, query, cookie, COLLECTOR_TOKEN]) {
      assert.ok(!exported.includes(secret), `a span carries ${secret}`);
    }
  });

  test('sends the configured headers to the collector', () => {
    assert.ok(g.receiver.exports.length > 0);
    for (const e of g.receiver.exports) {
      assert.equal(e.headers.authorization, `Bearer ${COLLECTOR_TOKEN}`);
      assert.equal(e.headers['content-type'], 'application/json');
    }
  });

  test('honours a caller that did not sample its trace, and says so upstream', async () => {
    const unsampled = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab';
    await g.send('/pets', {
      headers: { 'x-api-key': g.t.key, traceparent: `00-${unsampled}-${CALLER_SPAN}-00` },
    });
    assert.match(String(g.t.upstream.requests.at(-1)!.headers.traceparent), /^00-a{31}b-[0-9a-f]{16}-00$/);
    assert.equal(g.receiver.spans().filter((s) => s.traceId === unsampled).length, 0);
  });
});

describe('sampling the traces the gateway starts', () => {
  let g: Traced;
  before(async () => {
    g = await tracedGateway({ samplingRatio: 0 });
  });
  after(() => g.close());

  test('at ratio 0 a new trace is neither exported nor marked sampled upstream', async () => {
    await g.send('/pets', { headers: { 'x-api-key': g.t.key } });
    assert.match(String(g.t.upstream.requests.at(-1)!.headers.traceparent), /-00$/);
    assert.equal(g.receiver.spans().length, 0);
  });

  test('a caller that sampled its trace is still traced', async () => {
    await g.send('/pets', {
      headers: { 'x-api-key': g.t.key, traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` },
    });
    assert.equal(traceOf(g.receiver, CALLER_TRACE).stages.length, 7);
  });
});

describe('a collector that refuses exports', () => {
  let g: Traced;
  before(async () => {
    g = await tracedGateway();
  });
  after(() => g.close());

  test('is reported once while failing and once when it recovers, and requests still pass', async () => {
    g.receiver.answer(400);
    assert.equal((await g.send('/pets', { headers: { 'x-api-key': g.t.key } })).status, 200);
    assert.equal((await g.send('/pets', { headers: { 'x-api-key': g.t.key } })).status, 200);
    g.receiver.answer(200);
    await g.send('/pets', { headers: { 'x-api-key': g.t.key } });
    const messages = g.logs.map((l) => (JSON.parse(l) as { msg: string }).msg);
    assert.equal(messages.filter((m) => m.startsWith('trace export failing')).length, 1);
    assert.equal(messages.filter((m) => m === 'trace export recovered').length, 1);
    assert.equal(
      g.receiver.spans().length,
      8,
      'only the spans of the last request arrived (server + 7 stages)',
    );
    assert.ok(!g.logs.join('\n').includes(COLLECTOR_TOKEN), 'the collector token was logged');
  });
});

describe('portcullis start', () => {
  /** Runs the gateway process with `tracing`, sends one request, stops it; returns what the collector got. */
  async function runWith(tracing: Record<string, unknown>): Promise<OtlpReceiver> {
    const receiver = await startOtlpReceiver();
    const config = tempConfigDir({
      'portcullis.yaml': {
        ...gatewayFile({ upstreamUrl: 'http://127.0.0.1:9' }),
        logging: { level: 'info' },
        tracing: { ...tracing, otlp: { endpoint: receiver.url } },
      },
      'apis/pets.yaml': PETS_OPENAPI,
      'contracts/acme.yaml': contractFile('acme', ['listPets']),
    });
    const proc = spawnCli(['start', '--config', config.dir]);
    try {
      const url = String((await proc.waitForLog((l) => l.msg === 'gateway listening')).url);
      const res = await fetch(`${url}/pets`, {
        headers: { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` },
      });
      assert.equal(res.status, 401);
      await res.arrayBuffer();
      assert.equal(await proc.stop('SIGTERM'), 0);
    } finally {
      await proc.stop('SIGKILL');
      await receiver.close();
      config.remove();
    }
    return receiver;
  }

  test('exports the spans of its requests when tracing is enabled, flushing them on shutdown', async () => {
    const receiver = await runWith({ enabled: true });
    const { server, stages } = traceOf(receiver, CALLER_TRACE);
    assert.equal(server.resource['service.name'], 'portcullis');
    assert.equal(server.attributes[SPAN_ATTRIBUTES.denialCode], 'credential_missing');
    assert.deepEqual(
      stages.map((s) => s.name),
      ['route', 'authenticate'],
    );
  });

  test('exports nothing when tracing is not enabled, even with a collector configured', async () => {
    const receiver = await runWith({});
    assert.equal(receiver.exports.length, 0);
  });
});

describe('reloading the tracing configuration', () => {
  let t: TestGateway;
  const file = (tracing: Record<string, unknown>) => ({
    'portcullis.yaml': gatewayFile({ upstreamUrl: t.upstream.url, extra: { tracing } }),
  });
  before(async () => {
    t = await startTestGateway({ gateway: { extra: { tracing: { enabled: true } } } });
  });
  after(() => t.close());

  const upstreamFlags = async () => {
    await (await fetch(`${t.url}/pets`, { headers: { 'x-api-key': t.key } })).arrayBuffer();
    return String(t.upstream.requests.at(-1)!.headers.traceparent).slice(-2);
  };

  test('applies a new sampling ratio at once, and says the rest needs a restart', async () => {
    assert.equal(await upstreamFlags(), '01');
    t.config.write(file({ enabled: true, samplingRatio: 0 }));
    assert.ok((await t.gateway.reload()).ok);
    assert.equal(await upstreamFlags(), '00');
    assert.ok(!t.logs.some((l) => l.includes('only after a restart')), t.logs.join('\n'));

    t.config.write(file({ enabled: true, samplingRatio: 0, serviceName: 'renamed' }));
    assert.ok((await t.gateway.reload()).ok);
    assert.deepEqual(
      t.logs
        .map((l) => JSON.parse(l) as { msg: string; keys?: string[] })
        .filter((l) => l.msg.includes('only after a restart'))
        .map((l) => l.keys),
      [['tracing']],
    );
  });
});
