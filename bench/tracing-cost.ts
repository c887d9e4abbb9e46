import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse, stringify } from 'yaml';
import { startServer } from './processes.ts';
import { tracingTo, writeGatewayConfig } from './targets.ts';
import { runWrk } from './wrk.ts';

/**
 * `node bench/tracing-cost.ts [--pin]`: what tracing costs per sampling ratio, measured in
 * ONE gateway process whose configuration is reloaded between runs (the ratio applies on
 * reload). Comparing separate processes, as `npm run bench` does, mixes in each process's
 * own JIT luck, which on this code moves CPU per request by more than tracing 10 % of
 * requests costs. Ratio 0 is the baseline: tracing enabled, nothing sampled, which does the
 * same work per request as tracing disabled (one flag check).
 */
const { values } = parseArgs({
  options: {
    pin: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '4' },
    seconds: { type: 'string', default: '4' },
  },
});
const RATIOS = [0, 0.1, 1];
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const options = { connections: 32, seconds, cpu: values.pin ? 0 : undefined };

const scratch = mkdtempSync(join(tmpdir(), 'portcullis-tracing-cost-'));
const upstream = await startServer('upstream.ts', [], values.pin ? 0 : undefined);
const dir = join(scratch, 'gateway');
const key = await writeGatewayConfig(dir, upstream.url, {}, { tracing: tracingTo(upstream, 0) });
const gateway = await startServer('gateway.ts', [dir], values.pin ? 1 : undefined);
const load = { name: 'GET', method: 'GET' as const, path: '/orders/ord-1', headers: { 'x-api-key': key } };

const setRatio = async (ratio: number) => {
  const file = join(dir, 'portcullis.yaml');
  const config = parse(readFileSync(file, 'utf8')) as { tracing: { samplingRatio: number } };
  config.tracing.samplingRatio = ratio;
  writeFileSync(file, stringify(config));
  await gateway.reload();
};

const samples = new Map<number, { rps: number[]; cpu: number[] }>(
  RATIOS.map((r) => [r, { rps: [], cpu: [] }]),
);
try {
  for (let round = 0; round < rounds; round++) {
    for (const ratio of RATIOS) {
      await setRatio(ratio);
      await runWrk(gateway.url, load, { ...options, seconds: 1 }, scratch);
      const before = await gateway.cpuMicros();
      const result = await runWrk(gateway.url, load, options, scratch);
      const cpu = ((await gateway.cpuMicros()) - before) / result.requests;
      samples.get(ratio)!.rps.push(result.rps);
      samples.get(ratio)!.cpu.push(cpu);
      console.log(
        `  round ${round + 1} ratio ${ratio}: ${result.rps.toFixed(0)} req/s, ${cpu.toFixed(1)} µs CPU/req`,
      );
    }
  }
} finally {
  await gateway.stop();
  await upstream.stop();
  rmSync(scratch, { recursive: true, force: true });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const base = samples.get(0)!;
console.log(`\nGET, one gateway process, medians of ${rounds} rounds of ${seconds} s:`);
for (const [ratio, s] of samples) {
  const rps = median(s.rps);
  const cpu = median(s.cpu);
  const cost =
    ratio === 0
      ? ''
      : `  throughput ${((1 - rps / median(base.rps)) * 100).toFixed(1)} % lower, +${(cpu - median(base.cpu)).toFixed(1)} µs CPU/req`;
  console.log(
    `  samplingRatio ${String(ratio).padEnd(4)} ${rps.toFixed(0).padStart(6)} req/s ${cpu.toFixed(1).padStart(6)} µs CPU/req${cost}`,
  );
}
