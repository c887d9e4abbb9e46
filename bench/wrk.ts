import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Workload {
  readonly name: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface LoadResult {
  readonly requests: number;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Non-2xx answers plus socket errors: must be 0 for a result to count. */
  readonly errors: number;
}

export interface LoadOptions {
  readonly connections: number;
  readonly seconds: number;
  /** The core wrk runs on; anywhere when undefined. */
  readonly cpu: number | undefined;
}

/** Runs wrk (one thread, keep-alive, fixed concurrency, bounded duration) against `url`. */
export async function runWrk(
  url: string,
  workload: Workload,
  options: LoadOptions,
  scratch: string,
): Promise<LoadResult> {
  const script = join(scratch, `${workload.name}.lua`);
  const lines = [`wrk.method = "${workload.method}"`];
  for (const [name, value] of Object.entries(workload.headers))
    lines.push(`wrk.headers["${name}"] = "${value}"`);
  if (workload.body !== undefined) lines.push(`wrk.body = [[${workload.body}]]`);
  writeFileSync(script, `${lines.join('\n')}\n`);
  const pin = options.cpu === undefined ? [] : ['taskset', '-c', String(options.cpu)];
  const [command, ...args] = [
    ...pin,
    'wrk',
    '-t1',
    `-c${options.connections}`,
    `-d${options.seconds}s`,
    '--latency',
    '-s',
    script,
    `${url}${workload.path}`,
  ];
  const { stdout } = await run(command!, args);
  return parseWrk(stdout);
}

function parseWrk(text: string): LoadResult {
  const number = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? Number.NaN);
  const latency = (pct: string) => {
    const m = new RegExp(`^\\s*${pct}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(text);
    if (m === null) return Number.NaN;
    const value = Number(m[1]);
    return m[2] === 'us' ? value / 1000 : m[2] === 's' ? value * 1000 : value;
  };
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(text);
  const errors =
    Number(non2xx?.[1] ?? 0) +
    (socketErrors === null ? 0 : socketErrors.slice(1).reduce((n, v) => n + Number(v), 0));
  return {
    requests: number(/(\d+) requests in/),
    rps: number(/Requests\/sec:\s+([\d.]+)/),
    p50Ms: latency('50'),
    p99Ms: latency('99'),
    errors,
  };
}
