import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { contractFile } from '../support/config.ts';
import { startTestGateway, type TestGateway } from '../support/gateway.ts';

const ALL_BUT_DELETE = ['listPets', 'createPet', 'listMyPets', 'getPet', 'getFile'];

async function call(t: TestGateway, method: string, path: string) {
  const before = t.upstream.requests.length;
  const res = await fetch(`${t.url}${path}`, { method, headers: { 'x-api-key': t.key } });
  const body = (await res.json()) as Record<string, unknown>;
  return {
    status: res.status,
    body,
    requestId: res.headers.get('x-request-id'),
    reached: t.upstream.requests.length > before,
  };
}

function logged(t: TestGateway, decisionId: string | null): Record<string, unknown>[] {
  return t.logs
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.decision_id === decisionId);
}

describe('authorisation through the gateway', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway({
      files: {
        'policies/no-delete-file.cedar':
          '@id("files-read-only") forbid (principal, action == Portcullis::Action::"pets:getFile", resource)\n' +
          '  when { context.riskScore == 0 && context.clientIp.isLoopback() };\n',
      },
    });
  });
  after(() => t.close());

  test('a forbid refuses with a 403 problem and a decision id; the upstream sees nothing', async () => {
    const r = await call(t, 'GET', '/files/a.txt');
    assert.equal(r.status, 403);
    assert.equal(r.body.code, 'operation_forbidden');
    assert.equal(r.body.decision_id, r.requestId);
    assert.equal(r.body.policies, undefined);
    assert.equal(r.reached, false);
    const [line] = logged(t, r.requestId).filter((l) => l.msg === 'request denied');
    assert.match(String(line?.reason), /file:policies\/no-delete-file\.cedar:files-read-only/);
    assert.match(String(line?.reason), new RegExp(`plan ${t.gateway.plan.version}`));
  });

  test('an ungranted operation stays denied by default', async () => {
    const r = await call(t, 'DELETE', '/pets/1');
    assert.deepEqual([r.status, r.body.code, r.reached], [403, 'operation_not_granted', false]);
  });

  test('a reload never serves a decision cached under the older plan', async () => {
    assert.equal((await call(t, 'GET', '/pets')).status, 200);
    assert.equal((await call(t, 'GET', '/pets')).status, 200);
    assert.ok(t.gateway.runtime.authorization.cacheHits >= 1, 'the second call was a cache hit');

    t.config.write({ 'contracts/acme.yaml': contractFile('acme', ['createPet']) });
    assert.equal((await t.gateway.reload()).ok, true);
    const refused = await call(t, 'GET', '/pets');
    assert.deepEqual(
      [refused.status, refused.body.code, refused.reached],
      [403, 'operation_not_granted', false],
    );

    t.config.write({ 'contracts/acme.yaml': contractFile('acme', ALL_BUT_DELETE) });
    assert.equal((await t.gateway.reload()).ok, true);
    assert.equal((await call(t, 'GET', '/pets')).status, 200);
  });

  test('an invalid policy change is refused with its location and the running plan keeps serving', async () => {
    const version = t.gateway.plan.version;
    t.config.write({
      'policies/broken.cedar': 'permit (principal, action, resource)\nwhen { context.nope };\n',
    });
    try {
      const result = await t.gateway.reload();
      assert.equal(result.ok, false);
      if (result.ok) return;
      assert.deepEqual(
        result.issues.map((i) => `${i.file}:${i.line}:${i.column}`),
        ['policies/broken.cedar:2:8'],
      );
      assert.equal(t.gateway.plan.version, version);
      assert.equal((await call(t, 'GET', '/pets')).status, 200);
    } finally {
      rmSync(join(t.config.dir, 'policies/broken.cedar'));
    }
  });
});

describe('shadow policies on live traffic', () => {
  let t: TestGateway;
  before(async () => {
    t = await startTestGateway({
      files: {
        'policies/shadow/candidate.cedar':
          '@id("no-create") forbid (principal, action == Portcullis::Action::"pets:createPet", resource);',
      },
    });
  });
  after(() => t.close());

  test('a difference is logged, counted and audited, and the live answer stands', async () => {
    const r = await call(t, 'POST', '/pets');
    assert.equal(r.reached, true, 'the live policies allow it, so it is forwarded');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(t.gateway.runtime.authorization.shadowDifferences, 1);
    const warning = logged(t, r.requestId).find((l) => l.msg === 'shadow policies would answer differently');
    assert.deepEqual(
      [warning?.live, warning?.shadow, warning?.shadowPolicies],
      ['allow', 'operation_forbidden', 'file:policies/shadow/candidate.cedar:no-create'],
    );
    const event = t.stores.audit
      .recent(50)
      .find((e) => e.decisionId === r.requestId && e.action === 'authorization.shadow_difference');
    assert.ok(event !== undefined, 'no shadow difference event');
    assert.equal(event?.subject, t.gateway.plan.version);
    assert.equal(event?.details?.shadow, 'operation_forbidden');
  });

  test('requests the candidate agrees with leave no trace', async () => {
    const r = await call(t, 'GET', '/pets');
    assert.equal(r.status, 200);
    assert.equal(logged(t, r.requestId).length, 1, 'only the debug line of the allowed request');
  });
});

describe('authorisation failures and settings', () => {
  test('a policy that fails to evaluate refuses the request and raises an alert', async () => {
    const t = await startTestGateway({
      files: {
        'policies/overflow.cedar':
          '@id("overflow") forbid (principal, action, resource) when { context.time.epochSeconds * 9223372036854775807 > 0 };',
      },
    });
    try {
      const r = await call(t, 'GET', '/pets');
      assert.deepEqual([r.status, r.body.code, r.reached], [403, 'policy_evaluation_failed', false]);
      await new Promise((resolve) => setImmediate(resolve));
      const alert = logged(t, r.requestId).find((l) => l.level === 50);
      assert.match(
        String((alert?.errors as string[] | undefined)?.[0]),
        /^file:policies\/overflow\.cedar:overflow: /,
      );
      const event = t.stores.audit
        .recent(50)
        .find((e) => e.decisionId === r.requestId && e.action === 'authorization.policy_error');
      assert.ok(event !== undefined, 'no policy error event');
    } finally {
      await t.close();
    }
  });

  test('partners see the determining policy ids when configured to, never policy text', async () => {
    const t = await startTestGateway({
      gateway: { extra: { authorization: { partnerReasons: 'policy-ids' } } },
      files: {
        'policies/x.cedar':
          '@id("no-files") forbid (principal, action == Portcullis::Action::"pets:getFile", resource);',
      },
    });
    try {
      const r = await call(t, 'GET', '/files/a.b');
      assert.deepEqual(r.body.policies, ['file:policies/x.cedar:no-files']);
      assert.doesNotMatch(JSON.stringify(r.body), /Portcullis::|principal/);
    } finally {
      await t.close();
    }
  });

  test('with `enforced: false` a denial is recorded as a shadow denial and the request passes', async () => {
    const t = await startTestGateway({ gateway: { extra: { authorization: { enforced: false } } } });
    try {
      const r = await call(t, 'DELETE', '/pets/1');
      assert.equal(r.reached, true);
      const line = logged(t, r.requestId).find((l) => l.msg === 'request allowed');
      const shadowDenials = line?.shadow_denials as
        | { stage: string; code: string; reason: string }[]
        | undefined;
      assert.deepEqual(
        shadowDenials?.map((d) => [d.stage, d.code]),
        [['authorize', 'operation_not_granted']],
      );
      assert.match(shadowDenials?.[0]?.reason ?? '', /no policy permits pets:deletePet/);
    } finally {
      await t.close();
    }
  });
});
