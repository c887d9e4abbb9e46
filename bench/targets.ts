import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createKeyService } from '../src/services/keys/service.ts';
import { openStores } from '../src/store/open.ts';
import { type ServerProcess, startServer } from './processes.ts';

export interface StartedTarget {
  readonly server: ServerProcess;
  /** Headers every request to this target carries (its credentials). */
  readonly headers: Readonly<Record<string, string>>;
  /** Whether the benchmark stops the server afterwards (the shared upstream is not ours). */
  readonly owned: boolean;
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

const OPENAPI = {
  openapi: '3.1.0',
  info: { title: 'bench', version: '1' },
  paths: {
    '/orders': { post: { operationId: 'createOrder', responses: { '201': { description: 'ok' } } } },
    '/orders/{orderId}': { get: { operationId: 'getOrder', responses: { '200': { description: 'ok' } } } },
  },
};

/**
 * A gateway configuration directory for the benchmark: one API, one partner with an API
 * key in the embedded SQLite store (the production default).
 */
export function writeGatewayConfig(
  dir: string,
  upstreamUrl: string,
  contractExtra: Record<string, unknown> = {},
  gatewayExtra: Record<string, unknown> = {},
): string {
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
    stores.close();
  }
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
    name: 'portcullis',
    baseline: 'bare proxy',
    async start(upstream, scratch, cpu) {
      const dir = join(scratch, 'portcullis');
      const key = writeGatewayConfig(dir, upstream.url);
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
      const key = writeGatewayConfig(dir, upstream.url, {}, { tracing: tracingTo(upstream) });
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
