import type { Server } from 'node:http';
import { dirname } from 'node:path';
import { systemClock } from '../clock.ts';
import { compilePlan } from '../config/plan.ts';
import { watchConfigDir } from '../config/watch.ts';
import { startOrdersUpstream } from '../demo/orders-upstream.ts';
import { Gateway } from '../gateway.ts';
import { createLogger } from '../observe/logger.ts';
import { startTracing } from '../observe/tracing/tracing.ts';
import { tuneGarbageCollectionForServing } from '../runtime/gc-tuning.ts';
import { openStores } from '../store/open.ts';
import { type CliIO, parseCommandArgs } from './io.ts';
import {
  demoUpstreamAddress,
  ensureDemoClient,
  ensureDemoKey,
  QUICKSTART_DIR,
  quickstartBanner,
} from './quickstart.ts';

export const START_USAGE =
  'portcullis start [--config DIR] [--demo]   run the gateway (no --config: the quickstart, with --demo)';

/**
 * `portcullis start`: runs the gateway until SIGTERM/SIGINT; SIGHUP and file changes
 * reload. `--demo` also runs the demo orders upstream (at the `orders` API's upstream URL),
 * issues the demo partner's key and prints curl commands. No `--config` means the
 * quickstart with `--demo`.
 */
export async function startCommand(args: string[], io: CliIO): Promise<number> {
  const { values } = parseCommandArgs(args, {
    config: { type: 'string' },
    demo: { type: 'boolean', default: false },
  });
  const dir = values.config ?? QUICKSTART_DIR;
  tuneGarbageCollectionForServing();
  const plan = compilePlan(dir);
  const demo = values.config === undefined || values.demo ? demoUpstreamAddress(plan) : undefined;
  const logger = createLogger(plan.gateway.logging.level);
  const stores = openStores(plan.gateway.store, plan.dir, plan.gateway.audit, {
    onError: (error, what) => logger.error({ err: error }, what),
  });
  const tracing = startTracing(plan.gateway.tracing, logger);

  let upstream: Server | undefined;
  let gateway: Gateway;
  try {
    if (demo !== undefined)
      upstream = await startOrdersUpstream(demo.hostname.replace(/^\[|\]$/g, ''), Number(demo.port));
    const recorders = tracing === undefined ? [] : [tracing.recorder];
    gateway = await Gateway.start({ configDir: dir, logger, stores, plan, recorders });
  } catch (error) {
    upstream?.close();
    await stores.close();
    await tracing?.shutdown();
    throw error;
  }
  if (demo !== undefined) {
    const key = ensureDemoKey(plan, stores, systemClock);
    const client = plan.tokens === undefined ? undefined : ensureDemoClient(plan, stores, systemClock);
    io.stderr.write(quickstartBanner(gateway.url, demo.origin, key, client));
  }

  const reload = () => {
    gateway.reload().catch((error: unknown) => logger.error({ err: error }, 'reload failed'));
  };
  const stopWatching = plan.gateway.reload.watch
    ? watchConfigDir(plan.dir, [dirname(plan.gateway.store.path)], reload)
    : () => {};
  process.on('SIGHUP', reload);

  return new Promise<number>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'shutting down');
      stopWatching();
      process.off('SIGHUP', reload);
      gateway
        .close()
        .then(() => stores.close())
        .then(() => tracing?.shutdown())
        .then(() => {
          upstream?.close();
          resolve(0);
        })
        .catch((error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          resolve(1);
        });
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
