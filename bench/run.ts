import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { benchAuditLog } from './audit-log.ts';
import { ORDER_2KB } from './order-2kb.ts';
import { startServer } from './processes.ts';
import { type StartedTarget, TARGETS } from './targets.ts';
import { measureTokenIssuance, type TokenSample } from './tokens.ts';
import { type LoadResult, runWrk, type Workload } from './wrk.ts';

/**
 * `npm run bench`: the same load (keep-alive, fixed concurrency, bounded duration) on the
 * upstream directly, on a bare Node proxy, and on Portcullis, in interleaved rounds; prints
 * medians, each proxy's own CPU time per request, and ratios against the baseline.
 */
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
    pin: { type: 'boolean', default: false },
    only: { type: 'string' },
  },
});
// The decision micro-benchmark first, in its own process (`--only decisions` runs it alone).
if (values.only === undefined || values.only === 'decisions') {
  console.log('Authorisation decisions (bench/decisions.ts):\n');
  execFileSync(process.execPath, [new URL('./decisions.ts', import.meta.url).pathname], { stdio: 'inherit' });
  console.log('');
  if (values.only === 'decisions') process.exit(0);
}

const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const connections = Number(values.connections);
/**
 * With --pin, wrk and the upstream share core 0 and each proxy has core 1 to itself:
 * throughput then tracks each proxy's own CPU cost. Without it (the default) everything
 * shares both cores, as a load generator beside the gateway does.
 */
const pinned = values.pin;
const wrkCpu = pinned ? 0 : undefined;

const ORDER_1KB = JSON.stringify({ item: 'widget', quantity: 2, note: 'x'.repeat(1024 - 60), ref: 'r-1' });
const WORKLOADS: readonly Workload[] = [
  { name: 'GET', method: 'GET', path: '/orders/ord-1', headers: {} },
  {
    name: 'POST 1KB JSON',
    method: 'POST',
    path: '/orders',
    headers: { 'content-type': 'application/json' },
    body: ORDER_1KB,
  },
  {
    name: 'POST 2KB JSON',
    method: 'POST',
    path: '/orders',
    headers: { 'content-type': 'application/json' },
    body: ORDER_2KB,
  },
];

interface Sample extends LoadResult {
  readonly target: string;
  readonly workload: string;
  readonly cpuMicrosPerRequest: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

const scratch = mkdtempSync(join(tmpdir(), 'portcullis-bench-'));
// `--only NAME` picks the target of exactly that name if there is one, else every name containing it.
const exact = TARGETS.filter((t) => t.name === values.only);
const chosen =
  exact.length > 0 ? exact : TARGETS.filter((t) => values.only === undefined || t.name.includes(values.only));
const targets = TARGETS.filter(
  (t) => chosen.includes(t) || t.name === 'bare proxy' || chosen.some((c) => c.baseline === t.name),
);
const upstream = await startServer('upstream.ts', [], pinned ? 0 : undefined);
const started = new Map<string, StartedTarget>();
const samples: Sample[] = [];
const tokenSamples = new Map<string, TokenSample[]>();
try {
  for (const target of targets)
    started.set(target.name, await target.start(upstream, scratch, pinned ? 1 : undefined));
  console.log(
    `wrk -t1 -c${connections}, ${seconds} s per run, ${rounds} interleaved rounds, medians reported${pinned ? ', proxies pinned to core 1' : ''}\n`,
  );
  for (let round = 0; round < rounds; round++) {
    for (const workload of WORKLOADS) {
      // Rotate the order each round so no target always runs first on a cold machine.
      const order = targets.map((_, i) => targets[(i + round) % targets.length]!);
      for (const target of order) {
        if (target.workloads !== undefined && !target.workloads.includes(workload.name)) continue;
        const { server, headers } = started.get(target.name)!;
        const load = { ...workload, headers: { ...workload.headers, ...headers } };
        await runWrk(server.url, load, { connections, seconds: 1, cpu: wrkCpu }, scratch);
        const cpuBefore = await server.cpuMicros();
        const result = await runWrk(server.url, load, { connections, seconds, cpu: wrkCpu }, scratch);
        const cpu = (await server.cpuMicros()) - cpuBefore;
        samples.push({
          ...result,
          target: target.name,
          workload: workload.name,
          cpuMicrosPerRequest: cpu / result.requests,
        });
        process.stdout.write(
          `  round ${round + 1} ${workload.name.padEnd(14)} ${target.name.padEnd(34)} ${result.rps.toFixed(0).padStart(6)} req/s${result.errors > 0 ? `  ${result.errors} ERRORS` : ''}\n`,
        );
      }
    }
    for (const [name, { server, tokenRequest }] of started) {
      if (tokenRequest === undefined) continue;
      const sample = await measureTokenIssuance(
        server,
        tokenRequest,
        { connections, seconds, cpu: wrkCpu },
        scratch,
      );
      tokenSamples.set(name, [...(tokenSamples.get(name) ?? []), sample]);
      process.stdout.write(
        `  round ${round + 1} ${'tokens'.padEnd(14)} ${name.padEnd(34)} ${sample.tokensPerSecond.toFixed(0).padStart(6)} tokens/s${sample.errors > 0 ? `  ${sample.errors} ERRORS` : ''}\n`,
      );
    }
  }
} finally {
  for (const { server, owned } of started.values()) if (owned) await server.stop();
  await upstream.stop();
  rmSync(scratch, { recursive: true, force: true });
}

interface Summary {
  target: string;
  workload: string;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  cpuMicrosPerRequest: number;
  errors: number;
}
const summaries: Summary[] = [];
for (const workload of WORKLOADS) {
  for (const target of targets) {
    const mine = samples.filter((s) => s.target === target.name && s.workload === workload.name);
    if (mine.length === 0) continue;
    summaries.push({
      target: target.name,
      workload: workload.name,
      rps: median(mine.map((s) => s.rps)),
      p50Ms: median(mine.map((s) => s.p50Ms)),
      p99Ms: median(mine.map((s) => s.p99Ms)),
      cpuMicrosPerRequest: median(mine.map((s) => s.cpuMicrosPerRequest)),
      errors: mine.reduce((n, s) => n + s.errors, 0),
    });
  }
}

console.log(
  `\n${'workload'.padEnd(14)} ${'target'.padEnd(34)} ${'req/s'.padStart(7)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'CPU µs/req'.padStart(10)}  vs baseline`,
);
for (const s of summaries) {
  const target = targets.find((t) => t.name === s.target)!;
  const base = summaries.find((b) => b.target === target.baseline && b.workload === s.workload);
  const ratio =
    base === undefined
      ? ''
      : `${(s.rps / base.rps).toFixed(3)}x req/s, ${s.p50Ms - base.p50Ms >= 0 ? '+' : ''}${(s.p50Ms - base.p50Ms).toFixed(3)} ms p50, ${(s.cpuMicrosPerRequest / base.cpuMicrosPerRequest).toFixed(3)}x CPU/req`;
  console.log(
    `${s.workload.padEnd(14)} ${s.target.padEnd(34)} ${s.rps.toFixed(0).padStart(7)} ${s.p50Ms.toFixed(3).padStart(7)} ${s.p99Ms.toFixed(3).padStart(7)} ${s.cpuMicrosPerRequest.toFixed(1).padStart(10)}  ${ratio}${s.errors > 0 ? `  (${s.errors} errors)` : ''}`,
  );
}

for (const [name, list] of tokenSamples) {
  console.log(
    `\ntokens issued (${name}, POST /oauth2/token, client_credentials): ${median(list.map((s) => s.tokensPerSecond)).toFixed(0)} tokens/s, p50 ${median(list.map((s) => s.p50Ms)).toFixed(3)} ms, ${median(list.map((s) => s.cpuMicrosPerToken)).toFixed(1)} CPU µs/token`,
  );
}

const resultsDir = new URL('../.bench/', import.meta.url).pathname;
mkdirSync(resultsDir, { recursive: true });
const file = join(resultsDir, `results-${new Date().toISOString().replaceAll(':', '-')}.json`);
writeFileSync(
  file,
  JSON.stringify(
    { seconds, rounds, connections, samples, summaries, tokens: Object.fromEntries(tokenSamples) },
    null,
    2,
  ),
);
console.log(`\nraw samples: ${file}`);
if (summaries.some((s) => s.errors > 0) || [...tokenSamples.values()].flat().some((s) => s.errors > 0))
  process.exitCode = 1;

if (values.only === undefined || 'audit log'.includes(values.only)) await benchAuditLog(rounds);
