import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, afterEach, before, describe, test } from 'node:test';
import type { LogBackend } from '../../src/audit/backend.ts';
import { createHeadSigner } from '../../src/audit/head.ts';
import { AuditLog } from '../../src/audit/log.ts';
import type { AppendBatch } from '../../src/audit/sequencer.ts';
import { Gateway } from '../../src/gateway.ts';
import { createKeyService } from '../../src/services/keys/service.ts';
import { MemoryLogBackend } from '../../src/store/memory/audit-log.ts';
import { memoryStores } from '../../src/store/open.ts';
import { contractFile, gatewayFile, PETS_OPENAPI, type TempDir, tempConfigDir } from '../support/config.ts';
import { captureLogger, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { rawRequest } from '../support/raw-http.ts';
import { type RecordingUpstream, startRecordingUpstream } from '../support/upstream.ts';

describe('every request decision is audited', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway();
  });
  after(() => t.close());

  test('with who, what, the verdict and the status, under the decision id; never the key', async () => {
    const allowed = await fetch(`${t.url}/pets/7`, { headers: { 'x-api-key': t.key } });
    const denied = await fetch(`${t.url}/pets/7`, { method: 'DELETE', headers: { 'x-api-key': t.key } });
    const anonymous = await fetch(`${t.url}/pets`);
    for (const r of [allowed, denied, anonymous]) await r.arrayBuffer();
    const events = t.stores.audit.recent(20);
    const byId = (r: Response) => events.find((e) => e.decisionId === r.headers.get('x-request-id'));
    assert.deepEqual(
      [byId(allowed)?.request, byId(allowed)?.partner, byId(allowed)?.action].map((x) =>
        typeof x === 'object' ? { ...x, latencyMs: 0 } : x,
      ),
      [
        {
          outcome: 'allow',
          method: 'GET',
          operation: 'pets.getPet',
          application: 'default',
          credential: t.key.slice(4, 16),
          status: 200,
          latencyMs: 0,
          policies: ['contract:acme:grant:0'],
          upstreamStatus: 200,
          client: '127.0.0.1',
          traceId: byId(allowed)?.request?.traceId,
        },
        'acme',
        'request.allowed',
      ],
    );
    assert.deepEqual(
      [byId(denied)?.request?.stage, byId(denied)?.request?.code, byId(denied)?.request?.status],
      ['authorize', 'operation_not_granted', 403],
    );
    assert.deepEqual(
      [byId(anonymous)?.actor, byId(anonymous)?.request?.code, byId(anonymous)?.plan],
      ['anonymous', 'credential_missing', t.gateway.plan.version],
    );
    assert.ok(!JSON.stringify(events).includes(t.key.slice(17)), 'an API key secret reached the audit log');
  });

  test('records a request the listener could not parse, before refusing it', async () => {
    const r = await rawRequest(t.port, 'GET /pets HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header: x\r\n\r\n');
    assert.equal(r?.status, 400);
    const event = t.stores.audit.recent(5).find((e) => e.decisionId === r?.headers['x-request-id']);
    assert.deepEqual(
      [event?.action, event?.request?.stage, event?.request?.code],
      ['request.rejected', 'listener', 'header_invalid'],
    );
  });

  test('keeps a well-formed Content-Digest and leaves out one that is not', async () => {
    const digest = 'sha-256=:RK/0qy18MlBSVnWgjwz6lZEWjP/lF5HF9bvEF8FabDg=:';
    const good = await fetch(`${t.url}/pets`, {
      method: 'POST',
      headers: { 'x-api-key': t.key, 'content-digest': digest },
      body: '{}',
    });
    const bad = await fetch(`${t.url}/pets`, {
      method: 'POST',
      headers: { 'x-api-key': t.key, 'content-digest': 'secret-value-not-a-digest' },
      body: '{}',
    });
    for (const r of [good, bad]) await r.arrayBuffer();
    const events = t.stores.audit.recent(5);
    const of = (r: Response) => events.find((e) => e.decisionId === r.headers.get('x-request-id'))!;
    assert.equal(of(good).request?.requestDigest, digest);
    assert.deepEqual(of(bad).redacted, ['request.requestDigest']);
    assert.ok(!JSON.stringify(events).includes('secret-value-not-a-digest'));
  });
});

/** A memory log whose commits wait until the test lets them through (`stall`) or fail. */
function controlledBackend() {
  const inner = new MemoryLogBackend();
  const waiting: (() => void)[] = [];
  let stalled = false;
  const notify: (() => void)[] = [];
  const backend: LogBackend = {
    append(build) {
      if (!stalled) return inner.append(build);
      return new Promise<AppendBatch>((resolve) => {
        waiting.push(() => resolve(inner.append(build)));
        for (const n of notify.splice(0)) n();
      });
    },
    signHead: (decide) => inner.signHead(decide),
    size: () => inner.size(),
    latestHead: () => inner.latestHead(),
    heads: (a, l) => inner.heads(a, l),
    leaves: (f, l) => inner.leaves(f, l),
    tail: (l) => inner.tail(l),
    nodes: (r) => inner.nodes(r),
    close: () => inner.close(),
  };
  return {
    backend,
    inner,
    stall: () => {
      stalled = true;
    },
    /** Resolves once a commit is waiting. */
    nextCommit: () => new Promise<void>((resolve) => (waiting.length > 0 ? resolve() : notify.push(resolve))),
    release: () => {
      stalled = false;
      for (const go of waiting.splice(0)) go();
    },
  };
}

describe('answers and the audit log', () => {
  let upstream: RecordingUpstream;
  let config: TempDir;
  let gateway: Gateway;
  let control: ReturnType<typeof controlledBackend>;
  let log: AuditLog;
  let key: string;
  const logs = captureLogger();

  before(async () => {
    upstream = await startRecordingUpstream();
    config = tempConfigDir({
      'portcullis.yaml': gatewayFile({ upstreamUrl: upstream.url }),
      'apis/pets.yaml': PETS_OPENAPI,
      'contracts/acme.yaml': contractFile('acme', ['listPets']),
      'contracts/lenient.yaml': contractFile('lenient', ['listPets'], { audit: { failOpen: true } }),
    });
  });
  after(async () => {
    await upstream.close();
    config.remove();
  });

  async function start(capacity: number) {
    control = controlledBackend();
    log = new AuditLog({
      backend: control.backend,
      signer: createHeadSigner(generateKeyPairSync('ed25519').privateKey),
      clock: { now: () => Date.now() },
      heads: { everyEvents: 1000, everyMs: 3_600_000 },
      capacity,
      maxBatch: 100,
    });
    const stores = memoryStores(log);
    const keys = createKeyService({
      store: stores.apiKeys,
      audit: log,
      clock: { now: Date.now },
      actor: 'test',
    });
    key = keys.issue({ partner: 'acme' }).key;
    const lenientKey = keys.issue({ partner: 'lenient' }).key;
    gateway = await Gateway.start({ configDir: config.dir, logger: logs.logger, stores });
    await log.flush();
    return lenientKey;
  }
  afterEach(async () => {
    control.release();
    await gateway.close();
    await log.close();
  });

  test('no answer starts before its decision is committed to the log', async () => {
    await start(100);
    control.stall();
    let answered = false;
    const response = fetch(`${gateway.url}/pets`, { headers: { 'x-api-key': key } }).then((r) => {
      answered = true;
      return r;
    });
    await control.nextCommit();
    assert.equal(upstream.requests.length > 0, true, 'the upstream answered');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(answered, false, 'the client got an answer before its event was committed');
    control.release();
    const r = await response;
    assert.equal(r.status, 200);
    const event = control.inner.tail(1)[0]!;
    assert.match(event, new RegExp(r.headers.get('x-request-id')!));
  });

  test('refuses with 503 audit_unavailable, before the upstream, once the buffer is full', async () => {
    await start(1);
    control.stall();
    const first = fetch(`${gateway.url}/pets`, { headers: { 'x-api-key': key } });
    await control.nextCommit();
    const reached = upstream.requests.length;
    const second = await fetch(`${gateway.url}/pets`, { headers: { 'x-api-key': key } });
    assert.equal(second.status, 503);
    assert.equal(((await second.json()) as { code: string }).code, 'audit_unavailable');
    assert.equal(second.headers.get('retry-after'), '1');
    assert.equal(
      upstream.requests.length,
      reached,
      'the upstream received a request that could not be audited',
    );
    assert.ok(log.stats().dropped >= 1);
    control.release();
    assert.equal((await first).status, 200);
  });

  test('serves a fail-open partner while the buffer is full, counting and logging the missing event', async () => {
    const lenientKey = await start(1);
    control.stall();
    const first = fetch(`${gateway.url}/pets`, { headers: { 'x-api-key': key } });
    await control.nextCommit();
    const served = await fetch(`${gateway.url}/pets`, { headers: { 'x-api-key': lenientKey } });
    assert.equal(served.status, 200);
    await served.arrayBuffer();
    assert.ok(log.stats().dropped >= 1);
    assert.ok(logs.lines.some((l) => l.includes('request served without its audit event')));
    control.release();
    await (await first).arrayBuffer();
  });
});
