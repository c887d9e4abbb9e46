import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import type { OperationSpec } from '../src/config/openapi.ts';
import { compilePlan } from '../src/config/plan.ts';
import { DecisionPoint } from '../src/pipeline/authorize/decision-point.ts';
import type { Exchange } from '../src/pipeline/exchange.ts';
import { partnerName, writeOperatorPolicies, writePartnerContracts } from './authz-config.ts';
import { OPENAPI } from './targets.ts';

/**
 * Decision micro-benchmark: the authorisation decision point on plans of 10, 1,000 and
 * 10,000 partners (each with a conditional grant, plus global and per-partner operator
 * policies). A miss is a decision Cedar evaluates (its partner's slice already parsed); a
 * hit comes from the decision cache. Run alone with `node bench/decisions.ts`, or as the
 * first part of `npm run bench`. Targets: hit p50 ≤ 5 µs; miss p50 ≤ 80 µs at 10,000.
 */
const { values } = parseArgs({
  options: {
    partners: { type: 'string', default: '10,1000,10000' },
    misses: { type: 'string', default: '5000' },
    hits: { type: 'string', default: '50000' },
  },
});

const OPERATIONS = ['getOrder', 'createOrder'];

function exchange(partner: string, operation: string, clientAddress: string, receivedAt: number): Exchange {
  return {
    identity: { partner, application: 'default', credential: { kind: 'api_key', id: 'k' } },
    route: { target: { api: 'orders', operation: { id: operation } as OperationSpec }, params: {} },
    clientAddress,
    receivedAt,
    dataClasses: undefined,
    riskScore: undefined,
  } as unknown as Exchange;
}

/**
 * Microseconds per call of `decide` on each exchange (wall clock, sorted), and the mean
 * CPU time per call: steadier than the wall clock on a machine shared with other work.
 */
function time(point: DecisionPoint, exchanges: readonly Exchange[]): { sorted: number[]; cpuMean: number } {
  const out = new Array<number>(exchanges.length);
  const cpu = process.cpuUsage();
  for (let i = 0; i < exchanges.length; i++) {
    const start = performance.now();
    point.decide(exchanges[i]!);
    out[i] = (performance.now() - start) * 1000;
  }
  const used = process.cpuUsage(cpu);
  return { sorted: out.sort((a, b) => a - b), cpuMean: (used.user + used.system) / exchanges.length };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

function writeConfig(dir: string, partners: number): void {
  mkdirSync(join(dir, 'apis'), { recursive: true });
  writeFileSync(
    join(dir, 'portcullis.yaml'),
    stringify({
      version: 1,
      listeners: { public: { port: 0 } },
      apis: {
        orders: {
          openapi: 'apis/orders.yaml',
          hosts: ['127.0.0.1'],
          upstream: { url: 'http://127.0.0.1:9' },
        },
      },
      store: { kind: 'memory' },
    }),
  );
  writeFileSync(join(dir, 'apis/orders.yaml'), stringify(OPENAPI));
  writePartnerContracts(dir, partners);
  writeOperatorPolicies(dir, partners);
}

const now = Date.UTC(2026, 0, 7, 12, 0);
const rows: { partners: number; hitP50: number; missP50: number }[] = [];
console.log(
  `${'partners'.padStart(8)} ${'policies'.padStart(8)} ${'plan ms'.padStart(8)} ${'slice load'.padStart(10)} ${'miss p50'.padStart(9)} ${'miss p99'.padStart(9)} ${'miss cpu'.padStart(9)} ${'hit p50'.padStart(8)} ${'hit p99'.padStart(8)} ${'hit cpu'.padStart(8)}  (µs; cpu: mean CPU time per decision)`,
);
for (const partners of values.partners.split(',').map(Number)) {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-decisions-'));
  try {
    writeConfig(dir, partners);
    const built = performance.now();
    const plan = compilePlan(dir);
    const planMs = performance.now() - built;
    const point = new DecisionPoint(plan.authorization, plan.version);
    // 200 callers (or all), spread so that every scale has the same mix of partners with
    // and without policies of their own and conditional grants (7919 is prime).
    const callers = Array.from({ length: Math.min(partners, 200) }, (_, i) =>
      partnerName((i * 7919) % partners),
    );
    // First call of each caller: its slice is parsed into Cedar (once per plan).
    const cold = time(
      point,
      callers.map((p) => exchange(p, 'getOrder', '127.0.0.1', now)),
    ).sorted;
    // Misses: a new client address every time, so no decision is cached yet.
    const missing = Array.from({ length: Number(values.misses) }, (_, i) =>
      exchange(
        callers[i % callers.length]!,
        OPERATIONS[i % 2]!,
        `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
        now,
      ),
    );
    time(point, missing.slice(0, 500));
    const miss = time(point, missing.slice(500));
    // Hits: a hundred requests already decided, over and over.
    const warm = missing.slice(0, 100);
    const hitting = Array.from({ length: Number(values.hits) }, (_, i) => warm[i % warm.length]!);
    time(point, hitting);
    const hit = time(point, hitting);
    point.close();
    const row = {
      partners,
      policies: plan.authorization.live.policies.size,
      planMs,
      sliceLoadP50: percentile(cold, 0.5),
      missP50: percentile(miss.sorted, 0.5),
      missP99: percentile(miss.sorted, 0.99),
      missCpu: miss.cpuMean,
      hitP50: percentile(hit.sorted, 0.5),
      hitP99: percentile(hit.sorted, 0.99),
      hitCpu: hit.cpuMean,
    };
    rows.push(row);
    console.log(
      `${String(partners).padStart(8)} ${String(row.policies).padStart(8)} ${planMs.toFixed(0).padStart(8)} ${row.sliceLoadP50.toFixed(0).padStart(10)} ${row.missP50.toFixed(1).padStart(9)} ${row.missP99.toFixed(1).padStart(9)} ${row.missCpu.toFixed(1).padStart(9)} ${row.hitP50.toFixed(2).padStart(8)} ${row.hitP99.toFixed(2).padStart(8)} ${row.hitCpu.toFixed(2).padStart(8)}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const largest = rows.at(-1)!;
console.log(
  `\ntargets at ${largest.partners} partners: hit p50 ${largest.hitP50.toFixed(2)} µs (≤ 5), miss p50 ${largest.missP50.toFixed(1)} µs (≤ 80)`,
);
