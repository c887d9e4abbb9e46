import { Agent, request } from 'undici';
import { createKeyService } from '../../src/services/keys/service.ts';
import { openStores } from '../../src/store/open.ts';
import { type GatewayProcess, spawnCli } from './child.ts';
import { contractFile, gatewayFile, PETS_OPENAPI, type TempDir, tempConfigDir } from './config.ts';

export interface Fleet {
  readonly processes: readonly GatewayProcess[];
  readonly urls: readonly string[];
  /** An API key per partner. */
  readonly keys: Readonly<Record<string, string>>;
  readonly config: TempDir;
  stop(): Promise<void>;
}

/**
 * `count` gateway processes (`portcullis start`) on one configuration directory: one
 * SQLite store for their keys, and the given gateway `limits` section (e.g. Redis). Each
 * partner's contract grants `listPets` with the given limits.
 */
export async function startFleet(options: {
  readonly count: number;
  readonly upstreamUrl: string;
  readonly gatewayLimits: Record<string, unknown>;
  readonly partners: Readonly<Record<string, Record<string, unknown>>>;
}): Promise<Fleet> {
  const files: Record<string, unknown> = {
    'portcullis.yaml': gatewayFile({
      upstreamUrl: options.upstreamUrl,
      extra: { limits: options.gatewayLimits, logging: { level: 'info' } },
    }),
    'apis/pets.yaml': PETS_OPENAPI,
  };
  for (const [partner, limits] of Object.entries(options.partners)) {
    files[`contracts/${partner}.yaml`] = contractFile(partner, ['listPets'], { limits });
  }
  const config = tempConfigDir(files);
  const stores = openStores({ kind: 'sqlite', path: 'data/portcullis.db' }, config.dir);
  const keys: Record<string, string> = {};
  try {
    const service = createKeyService({
      store: stores.apiKeys,
      audit: stores.audit,
      clock: { now: () => Date.now() },
      actor: 'test',
    });
    for (const partner of Object.keys(options.partners)) keys[partner] = service.issue({ partner }).key;
  } finally {
    stores.close();
  }
  const processes = Array.from({ length: options.count }, () => spawnCli(['start', '--config', config.dir]));
  const stop = async () => {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    config.remove();
  };
  try {
    const urls = await Promise.all(
      processes.map(async (p) => String((await p.waitForLog((l) => l.msg === 'gateway listening')).url)),
    );
    return { processes, urls, keys, config, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface LoadResult {
  readonly statuses: Map<number, number>;
  readonly codes: Map<string, number>;
  readonly sent: number;
}

/**
 * Puts paced load on the fleet for `durationMs`: `workers` loops, each sending one request
 * at a time to the gateways in turn, at most `perWorkerRps` each. Bounded in time; only
 * loopback addresses.
 */
export async function loadFleet(
  urls: readonly string[],
  key: string,
  options: { readonly durationMs: number; readonly workers: number; readonly perWorkerRps: number },
): Promise<LoadResult> {
  const agent = new Agent({ connections: options.workers });
  const statuses = new Map<number, number>();
  const codes = new Map<string, number>();
  let sent = 0;
  const started = performance.now();
  const interval = 1000 / options.perWorkerRps;
  const worker = async (index: number) => {
    for (let i = 0; ; i++) {
      const due = started + (index / options.workers) * interval + i * interval;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      if (performance.now() - started >= options.durationMs) return;
      sent++;
      const url = urls[(index + i) % urls.length]!;
      try {
        const res = await request(`${url}/pets`, { headers: { 'x-api-key': key }, dispatcher: agent });
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        const text = await res.body.text();
        const code = /"code":"([a-z_]+)"/.exec(text)?.[1];
        if (code !== undefined) codes.set(code, (codes.get(code) ?? 0) + 1);
      } catch {
        statuses.set(0, (statuses.get(0) ?? 0) + 1);
      }
    }
  };
  await Promise.all(Array.from({ length: options.workers }, (_, i) => worker(i)));
  await agent.close();
  return { statuses, codes, sent };
}
