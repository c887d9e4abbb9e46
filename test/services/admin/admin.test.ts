import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Ajv } from 'ajv';
import { verifyHead } from '../../../src/audit/head.ts';
import { ADMIN_OPERATIONS } from '../../../src/services/admin/operations/index.ts';
import { generateAdminToken } from '../../../src/services/admin/token.ts';
import { rfcLeafHash, verifyConsistency, verifyInclusion } from '../../audit/rfc9162.ts';
import { startTestGateway, type TestGateway } from '../../support/gateway.ts';
import { PETS_AUDIENCE, startTokenGateway, type TokenGateway } from '../../support/tokens.ts';

const auditor = generateAdminToken();
const scraper = generateAdminToken();
const stranger = generateAdminToken();

const ADMIN_CONFIG = {
  listeners: { public: { host: '127.0.0.1', port: 0 }, admin: { host: '127.0.0.1', port: 0 } },
  admin: {
    tokens: [
      { id: 'ops-auditor', sha256: auditor.sha256, roles: ['auditor'] },
      { id: 'prometheus', sha256: scraper.sha256, roles: ['metrics'] },
    ],
  },
  audit: { heads: { everyEvents: 5, everyMs: 3_600_000 } },
};

/** A request to each operation that succeeds for a token holding its permission. */
const EXAMPLE_QUERY: Record<string, string> = {
  getInclusionProof: '?seq=0',
  getConsistencyProof: '?from=1&to=2',
  listHeads: '?after=-1',
};

const b64 = (s: string) => Buffer.from(s, 'base64');

describe('the admin listener', () => {
  let t: TestGateway;
  let admin: string;
  const get = (path: string, token?: string) =>
    fetch(admin + path, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });

  before(async () => {
    t = await startTestGateway({ gateway: { extra: ADMIN_CONFIG } });
    admin = t.gateway.adminUrl!;
    for (let i = 0; i < 12; i++) {
      const r = await fetch(`${t.url}/pets`, { headers: { 'x-api-key': t.key } });
      await r.arrayBuffer();
    }
    await (
      await fetch(`${t.url}/pets/1`, { method: 'DELETE', headers: { 'x-api-key': t.key } })
    ).arrayBuffer();
    await t.stores.audit.flush();
  });
  after(() => t.close());

  for (const op of ADMIN_OPERATIONS) {
    const path = op.path + (EXAMPLE_QUERY[op.operationId] ?? '');
    const holder = op.permission === 'metrics:read' ? scraper : auditor;
    const other = op.permission === 'metrics:read' ? auditor : scraper;
    describe(`${op.method} ${op.path}`, () => {
      test('refuses a request without a token with 401 credential_missing', async () => {
        const r = await get(path);
        assert.equal(r.status, 401);
        assert.equal(((await r.json()) as { code: string }).code, 'credential_missing');
        assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer /);
      });
      test('refuses an unknown token with 401 credential_invalid', async () => {
        const r = await get(path, stranger.token);
        assert.equal(((await r.json()) as { code: string }).code, 'credential_invalid');
      });
      test('refuses a valid token whose roles lack the permission with 403 permission_denied', async () => {
        const r = await get(path, other.token);
        assert.equal(r.status, 403);
        assert.equal(((await r.json()) as { code: string }).code, 'permission_denied');
      });
      test('serves a token with the permission, as declared', async () => {
        const r = await get(path, holder.token);
        assert.equal(r.status, 200, await r.clone().text());
        if (!('text' in op.response)) {
          const validate = new Ajv({ strict: false }).compile(op.response);
          assert.ok(validate(await r.json()), JSON.stringify(validate.errors));
        }
      });
    });
  }

  test('reveals nothing about paths to an unauthenticated caller', async () => {
    const r = await get('/admin/v1/nothing-here');
    assert.equal(r.status, 401);
    const known = await get('/admin/v1/nothing-here', auditor.token);
    assert.equal(((await known.json()) as { code: string }).code, 'route_not_found');
  });

  test('refuses a token sent another way than as a bearer token', async () => {
    const r = await fetch(`${admin}/admin/v1/audit/heads/latest`, {
      headers: { authorization: `Basic ${auditor.token}` },
    });
    assert.equal(((await r.json()) as { code: string }).code, 'credential_invalid');
  });

  test('refuses unknown, repeated and out-of-range query parameters', async () => {
    for (const q of ['?seq=0&x=1', '?seq=0&seq=1', '?seq=-1', '?seq=abc']) {
      const r = await get(`/admin/v1/audit/proofs/inclusion${q}`, auditor.token);
      assert.equal(((await r.json()) as { code: string }).code, 'admin_request_invalid', q);
    }
    const beyond = await get('/admin/v1/audit/proofs/inclusion?seq=100000', auditor.token);
    assert.equal(((await beyond.json()) as { code: string }).code, 'audit_event_not_found');
  });

  test('audits refused admin requests with who tried', async () => {
    await get('/admin/v1/audit/heads/latest', scraper.token);
    await t.stores.audit.flush();
    const denied = t.stores.audit.recent(50).filter((e) => e.kind === 'admin' && e.action === 'admin.denied');
    assert.ok(denied.some((e) => e.actor === 'admin:prometheus' && e.request?.code === 'permission_denied'));
    assert.ok(denied.some((e) => e.actor === 'anonymous' && e.request?.code === 'credential_missing'));
  });

  test('serves a signed head, inclusion proofs and consistency proofs an outside verifier accepts', async () => {
    const heads = (
      (await (await get('/admin/v1/audit/heads', auditor.token)).json()) as {
        heads: { size: number; root: string; key: string }[];
      }
    ).heads;
    assert.ok(heads.length >= 2);
    const latest = (await (await get('/admin/v1/audit/heads/latest', auditor.token)).json()) as Parameters<
      typeof verifyHead
    >[0];
    assert.ok(
      verifyHead(
        latest,
        new Map([
          [
            latest.key,
            (await import('node:crypto')).createPublicKey(
              (await import('node:fs')).readFileSync(`${t.config.dir}/data/audit-signing-key.pub.pem`),
            ),
          ],
        ]),
      ),
    );
    for (const seq of [0, 3, latest.size - 1]) {
      const proof = (await (
        await get(`/admin/v1/audit/proofs/inclusion?seq=${seq}&size=${latest.size}`, auditor.token)
      ).json()) as {
        leaf: string;
        path: string[];
      };
      assert.ok(
        verifyInclusion(seq, latest.size, rfcLeafHash(proof.leaf), proof.path.map(b64), b64(latest.root)),
      );
    }
    const [first, second] = [heads[0]!, heads.at(-1)!];
    const proof = (await (
      await get(`/admin/v1/audit/proofs/consistency?from=${first.size}&to=${second.size}`, auditor.token)
    ).json()) as { path: string[] };
    assert.ok(
      verifyConsistency(first.size, second.size, b64(first.root), b64(second.root), proof.path.map(b64)),
    );
  });

  test('serves Prometheus metrics of requests, denials, stages and the audit log', async () => {
    const text = await (await get('/metrics', scraper.token)).text();
    assert.match(
      text,
      /portcullis_requests_total\{partner="acme",operation="pets.listPets",status="200"\} 12/,
    );
    assert.match(text, /portcullis_denials_total\{stage="authorize",code="operation_not_granted"\} 1/);
    assert.match(text, /portcullis_stage_duration_seconds_count\{stage="authenticate"\} 1\d/);
    assert.match(text, /portcullis_stage_results_total\{stage="authorize",result="denied"\} 1/);
    assert.match(text, /portcullis_upstream_up\{api="pets"\} 1/);
    assert.match(text, /portcullis_audit_buffer_capacity 10000/);
    assert.match(text, /portcullis_audit_committed_total \d+/);
    assert.doesNotMatch(text, new RegExp(t.key.slice(4, 16)));
  });

  test('exports certificate and key expiry reported by other modules', async () => {
    t.gateway.expiry.set('certificate', 'gateway-tls', Date.UTC(2030, 0, 1));
    const text = await (await get('/metrics', scraper.token)).text();
    assert.match(
      text,
      /portcullis_credential_expiry_timestamp_seconds\{kind="certificate",name="gateway-tls"\} 1893456000/,
    );
  });

  test('describes every operation and its permission in the generated OpenAPI document', async () => {
    const doc = (await (await get('/admin/v1/openapi.json', auditor.token)).json()) as {
      paths: Record<string, Record<string, { operationId: string; 'x-permission': string }>>;
    };
    for (const op of ADMIN_OPERATIONS) {
      assert.equal(doc.paths[op.path]?.get?.operationId, op.operationId);
      assert.equal(doc.paths[op.path]?.get?.['x-permission'], op.permission);
    }
  });
});

describe('the token service in the metrics', () => {
  let t: TokenGateway;
  before(async () => {
    t = await startTokenGateway({ gateway: ADMIN_CONFIG });
  });
  after(() => t.close());

  test('exports when the current signing key is due to rotate', async () => {
    await t.accessToken({ grant_type: 'client_credentials', resource: PETS_AUDIENCE });
    const current = t.stores.signingKeys.list().find((k) => k.state === 'current');
    assert.ok(current?.activatedAt !== undefined);
    const res = await fetch(`${t.gateway.adminUrl!}/metrics`, {
      headers: { authorization: `Bearer ${scraper.token}` },
    });
    const text = await res.text();
    const match =
      /portcullis_credential_expiry_timestamp_seconds\{kind="key",name="token-signing-current"\} ([\d.]+)/.exec(
        text,
      );
    assert.ok(match !== null, text);
    assert.equal(
      Number(match[1]),
      (current.activatedAt + t.gateway.plan.tokens!.signing.rotateAfterMs) / 1000,
    );
  });
});
