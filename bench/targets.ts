import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createKeyService } from '../src/services/keys/service.ts';
import { createClientService } from '../src/services/token/clients.ts';
import { openStores } from '../src/store/open.ts';
import { startRedis } from '../test/support/redis.ts';
import { writeOperatorPolicies, writePartnerContracts } from './authz-config.ts';
import { ORDER_SCHEMA } from './order-2kb.ts';
import { type ServerProcess, startServer } from './processes.ts';
import type { Workload } from './wrk.ts';

export interface StartedTarget {
  readonly server: ServerProcess;
  /** Headers every request to this target carries (its credentials). */
  readonly headers: Readonly<Record<string, string>>;
  /** Whether the benchmark stops the server afterwards (the shared upstream is not ours). */
  readonly owned: boolean;
  /** A token request the target serves, for the tokens-per-second measurement. */
  readonly tokenRequest?: Workload;
}

/** One thing to put load on. Later stages add gateway variants here. */
export interface Target {
  readonly name: string;
  /** Name of the target whose figures this one is compared with. */
  readonly baseline?: string;
  /** Workloads this target runs; all when absent. */
  readonly workloads?: readonly string[];
  /** `cpu`: the core to pin the target's own server to, if any. */
  start(upstream: ServerProcess, scratch: string, cpu: number | undefined): Promise<StartedTarget>;
}

export const OPENAPI = {
  openapi: '3.1.0',
  info: { title: 'bench', version: '1' },
  paths: {
    '/orders': {
      post: {
        operationId: 'createOrder',
        requestBody: { required: true, content: { 'application/json': { schema: ORDER_SCHEMA } } },
        responses: { '201': { description: 'ok' } },
      },
    },
    '/orders/{orderId}': { get: { operationId: 'getOrder', responses: { '200': { description: 'ok' } } } },
  },
};

/**
 * A gateway configuration directory for the benchmark: one API, one partner with an API
 * key in the embedded SQLite store (the production default).
 */
export async function writeGatewayConfig(
  dir: string,
  upstreamUrl: string,
  contractExtra: Record<string, unknown> = {},
  gatewayExtra: Record<string, unknown> = {},
): Promise<string> {
  mkdirSync(join(dir, 'apis'), { recursive: true });
  mkdirSync(join(dir, 'contracts'), { recursive: true });
  writeFileSync(
    join(dir, 'portcullis.yaml'),
    stringify({
      version: 1,
      listeners: { public: { host: '127.0.0.1', port: 0 } },
      apis: { orders: { openapi: 'apis/orders.yaml', hosts: ['127.0.0.1'], upstream: { url: upstreamUrl } } },
      store: { kind: 'sqlite', path: 'data/portcullis.db' },
      logging: { level: 'warn' },
      reload: { watch: false },
      // The plain path unless a target asks for more: request decisions are not audited.
      audit: { decisions: 'none' },
      ...gatewayExtra,
    }),
  );
  writeFileSync(join(dir, 'apis/orders.yaml'), stringify(OPENAPI));
  writeFileSync(
    join(dir, 'contracts/bench.yaml'),
    stringify({
      version: 1,
      partner: 'bench',
      grants: [{ api: 'orders', operations: ['getOrder', 'createOrder'] }],
      // The plain path unless a target asks for more: no content inspection.
      content: { enabled: false },
      ...contractExtra,
    }),
  );
  const stores = openStores({ kind: 'sqlite', path: 'data/portcullis.db' }, dir);
  try {
    return createKeyService({
      store: stores.apiKeys,
      audit: stores.audit,
      clock: { now: () => Date.now() },
      actor: 'bench',
    }).issue({
      partner: 'bench',
    }).key;
  } finally {
    await stores.close();
  }
}

/**
 * Limits that every request is checked and counted against but that never refuse: the
 * benchmark measures the cost of deciding, not of refusing.
 */
const GENEROUS_LIMITS = {
  limits: {
    rate: { limit: 1_000_000_000, window: '1s', burst: 1_000_000_000 },
    quotas: [{ limit: 1_000_000_000_000, period: 'day', timeZone: 'Europe/Paris' }],
    concurrency: 1_000_000,
  },
};

/** Portcullis with the generous limits, on the given gateway `limits` section. */
async function startLimited(
  upstream: ServerProcess,
  dir: string,
  cpu: number | undefined,
  gatewayLimits: Record<string, unknown>,
): Promise<StartedTarget> {
  const key = await writeGatewayConfig(dir, upstream.url, GENEROUS_LIMITS, { limits: gatewayLimits });
  return { server: await startServer('gateway.ts', [dir], cpu), headers: { 'x-api-key': key }, owned: true };
}

/**
 * A gateway with the built-in token service, a client of the bench partner, and an access
 * token obtained from it (an hour long, so it outlives the run).
 */
async function startJwtGateway(
  upstream: ServerProcess,
  scratch: string,
  cpu: number | undefined,
): Promise<StartedTarget> {
  const dir = join(scratch, 'portcullis-jwt');
  await writeGatewayConfig(
    dir,
    upstream.url,
    {},
    { tokens: { issuer: 'http://127.0.0.1', accessTokenTtlSeconds: 3600 } },
  );
  const stores = openStores({ kind: 'sqlite', path: 'data/portcullis.db' }, dir);
  let basic: string;
  try {
    const { record, secret } = createClientService({
      store: stores.clients,
      partners: stores.partners,
      audit: stores.audit,
      clock: { now: () => Date.now() },
      actor: 'bench',
    }).create({ partner: 'bench' });
    basic = `Basic ${Buffer.from(`${record.id}:${secret}`).toString('base64')}`;
  } finally {
    stores.close();
  }
  const server = await startServer('gateway.ts', [dir], cpu);
  const tokenRequest: Workload = {
    name: 'token',
    method: 'POST',
    path: '/oauth2/token',
    headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  };
  const res = await fetch(`${server.url}${tokenRequest.path}`, {
    method: 'POST',
    headers: tokenRequest.headers,
    body: tokenRequest.body,
  });
  const { access_token: token } = (await res.json()) as { access_token: string };
  return { server, headers: { authorization: `Bearer ${token}` }, owned: true, tokenRequest };
}

export const TARGETS: readonly Target[] = [
  {
    name: 'upstream (direct)',
    start: async (upstream) => ({ server: upstream, headers: {}, owned: false }),
  },
  {
    name: 'bare proxy',
    start: async (upstream, _scratch, cpu) => ({
      server: await startServer('bare-proxy.ts', [upstream.url], cpu),
      headers: {},
      owned: true,
    }),
  },
  {
    // The plain proxy path: no content inspection for the partner, request decisions not audited.
    name: 'portcullis',
    baseline: 'bare proxy',
    async start(upstream, scratch, cpu) {
      const dir = join(scratch, 'portcullis');
      const key = await writeGatewayConfig(dir, upstream.url);
      return {
        server: await startServer('gateway.ts', [dir], cpu),
        headers: { 'x-api-key': key },
        owned: true,
      };
    },
  },
  {
    // Default content rules: the body is read, strictly parsed and validated against its schema.
    name: 'portcullis (validation)',
    baseline: 'portcullis',
    workloads: ['POST 2KB JSON'],
    async start(upstream, scratch, cpu) {
      const dir = join(scratch, 'portcullis-validation');
      const key = await writeGatewayConfig(dir, upstream.url, { content: {} });
      return {
        server: await startServer('gateway.ts', [dir], cpu),
        headers: { 'x-api-key': key },
        owned: true,
      };
    },
  },
  {
    // Every request decision committed to the audit log (SQLite) before its answer starts.
    name: 'portcullis (audit)',
    baseline: 'portcullis',
    async start(upstream, scratch, cpu) {
      const dir = join(scratch, 'portcullis-audit');
      const key = await writeGatewayConfig(dir, upstream.url, {}, { audit: {} });
      return {
        server: await startServer('gateway.ts', [dir], cpu),
        headers: { 'x-api-key': key },
        owned: true,
      };
    },
  },
  {
    name: 'portcullis (limits: memory)',
    baseline: 'portcullis',
    start: (upstream, scratch, cpu) =>
      startLimited(upstream, join(scratch, 'limits-memory'), cpu, { store: 'memory' }),
  },
  {
    name: 'portcullis (limits: redis)',
    baseline: 'portcullis',
    async start(upstream, scratch, cpu) {
      const redis = await startRedis();
      // Redis shares the load generator's core, as the upstream does, when pinning.
      if (cpu !== undefined && redis.pid !== undefined)
        execFileSync('taskset', ['-a', '-pc', '0', String(redis.pid)], { stdio: 'ignore' });
      const started = await startLimited(upstream, join(scratch, 'limits-redis'), cpu, {
        store: 'redis',
        // A generous timeout: the benchmark measures the shared path, not failovers caused
        // by a load generator starving Redis of CPU on the same machine.
        redis: { url: redis.url, timeoutMs: 1000 },
      });
      const server = started.server;
      return {
        ...started,
        server: {
          url: server.url,
          cpuMicros: () => server.cpuMicros(),
          reload: () => server.reload(),
          async stop() {
            await server.stop();
            await redis.stop();
          },
        },
      };
    },
  },
  {
    name: 'portcullis (jwt)',
    baseline: 'portcullis',
    start: startJwtGateway,
  },
  {
    // Authorisation as a large deployment has it: 10,000 partners with conditional grants,
    // global and per-partner operator policies; the benchmark partner's grant carries a
    // network and a time window. The decision cache is warm after the first requests.
    name: 'portcullis (authz warm cache)',
    baseline: 'portcullis',
    async start(upstream, scratch, cpu) {
      const dir = join(scratch, 'portcullis-authz');
      const key = await writeGatewayConfig(dir, upstream.url, {
        grants: [
          {
            api: 'orders',
            operations: ['getOrder', 'createOrder'],
            networks: ['127.0.0.0/8'],
            timeWindows: [{ from: '00:00', to: '24:00' }],
          },
        ],
      });
      writePartnerContracts(dir, 10_000);
      writeOperatorPolicies(dir, 10_000);
      return {
        server: await startServer('gateway.ts', [dir], cpu),
        headers: { 'x-api-key': key },
        owned: true,
      };
    },
  },
  {
    name: 'portcullis (tracing)',
    baseline: 'portcullis',
    async start(upstream, scratch, cpu) {
      const dir = join(scratch, 'portcullis-tracing');
      const key = await writeGatewayConfig(dir, upstream.url, {}, { tracing: tracingTo(upstream) });
      return {
        server: await startServer('gateway.ts', [dir], cpu),
        headers: { 'x-api-key': key },
        owned: true,
      };
    },
  },
];

/**
 * Tracing every request, exported over OTLP/HTTP to the benchmark's upstream, which drains
 * the exports as a collector would: what is measured is the gateway's own cost.
 */
export function tracingTo(upstream: ServerProcess, samplingRatio = 1): Record<string, unknown> {
  return { enabled: true, samplingRatio, otlp: { endpoint: `${upstream.url}/v1/traces` } };
}
