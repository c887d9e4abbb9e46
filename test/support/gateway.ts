import { Writable } from 'node:stream';
import type { Clock } from '../../src/clock.ts';
import { compilePlan } from '../../src/config/plan.ts';
import { Gateway } from '../../src/gateway.ts';
import { createLogger, type Logger } from '../../src/observe/logger.ts';
import type { Recorder } from '../../src/pipeline/record/recorder.ts';
import { createKeyService } from '../../src/services/keys/service.ts';
import { openStores } from '../../src/store/open.ts';
import type { Stores } from '../../src/store/types.ts';
import {
  type ConfigFiles,
  contractFile,
  gatewayFile,
  PETS_OPENAPI,
  type TempDir,
  tempConfigDir,
} from './config.ts';
import { collectTestLogs, recordApiKeysIn } from './secrets.ts';
import { type RecordingUpstream, startRecordingUpstream, type UpstreamHandler } from './upstream.ts';

/**
 * Collects every log line a component writes, to assert on; the lines also go to the
 * run's collection, which is scanned for test secrets after the suite.
 */
export function captureLogger(level = 'debug'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      const written = chunk.toString('utf8').split('\n').filter(Boolean);
      lines.push(...written);
      collectTestLogs(written);
      callback();
    },
  });
  return { logger: createLogger(level, sink), lines };
}

export interface TestGateway {
  readonly gateway: Gateway;
  readonly url: string;
  readonly port: number;
  readonly upstream: RecordingUpstream;
  readonly config: TempDir;
  readonly stores: Stores;
  readonly logs: string[];
  /** An API key of partner `acme`, which may call every pets operation but deletePet. */
  readonly key: string;
  issueKey(partner: string, options?: { ttlMs?: number }): string;
  close(): Promise<void>;
}

export interface TestGatewayOptions {
  readonly handler?: UpstreamHandler;
  readonly clock?: Clock;
  readonly gateway?: Partial<Parameters<typeof gatewayFile>[0]>;
  readonly files?: ConfigFiles;
  /** Appended to the upstream's origin in the API's upstream URL. */
  readonly upstreamPath?: string;
  /** Recorders besides the log (e.g. tracing), as `portcullis start` adds them. */
  readonly recorders?: readonly Recorder[];
}

/**
 * A real gateway on a free port in front of a recording upstream, with a temporary
 * configuration directory and SQLite store: API `pets`, partner `acme`.
 */
export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const upstream = await startRecordingUpstream(options.handler);
  const config = tempConfigDir({
    'portcullis.yaml': gatewayFile({
      upstreamUrl: upstream.url + (options.upstreamPath ?? ''),
      ...options.gateway,
    }),
    'apis/pets.yaml': PETS_OPENAPI,
    'contracts/acme.yaml': contractFile('acme', ['listPets', 'createPet', 'listMyPets', 'getPet', 'getFile']),
    ...options.files,
  });
  const plan = compilePlan(config.dir);
  const stores = openStores({ kind: 'sqlite', path: 'data/portcullis.db' }, config.dir, plan.gateway.audit);
  const { logger, lines } = captureLogger();
  const clock = options.clock ?? { now: () => Date.now() };
  const keys = createKeyService({ store: stores.apiKeys, audit: stores.audit, clock, actor: 'test' });
  const issueKey = (partner: string, o: { ttlMs?: number } = {}) => {
    const issued = keys.issue({ partner, ttlMs: o.ttlMs }).key;
    recordApiKeysIn(issued);
    return issued;
  };
  const key = issueKey('acme');
  const gateway = await Gateway.start({
    configDir: config.dir,
    logger,
    stores,
    clock,
    recorders: options.recorders,
  });
  const url = gateway.url;
  return {
    gateway,
    url,
    port: Number(new URL(url).port),
    upstream,
    config,
    stores,
    logs: lines,
    key,
    issueKey,
    close: async () => {
      await gateway.close();
      await stores.close();
      await upstream.close();
      config.remove();
    },
  };
}
