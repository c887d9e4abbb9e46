import type { Server } from 'node:http';
import { dirname } from 'node:path';
import { systemClock } from '../clock.ts';
import { compilePlan } from '../config/plan.ts';
import { watchConfigDir } from '../config/watch.ts';
import { startOrdersUpstream } from '../demo/orders-upstream.ts';
import { Gateway } from '../gateway.ts';
import { createLogger } from '../observe/logger.ts';
import { openStores } from '../store/open.ts';
import { type CliIO, parseCommandArgs } from './io.ts';
import { DEMO_UPSTREAM, ensureDemoKey, QUICKSTART_DIR, quickstartBanner } from './quickstart.ts';

export const START_USAGE =
  'portcullis start [--config DIR] [--demo-upstream]   run the gateway (default: the quickstart)';

/**
 * `portcullis start`: runs the gateway until SIGTERM/SIGINT. Without `--config` it runs
 * the quickstart, with its demo upstream and demo key. SIGHUP and file changes reload.
 */
export async function startCommand(args: string[], io: CliIO): Promise<number> {
  const { values } = parseCommandArgs(args, {
    config: { type: 'string' },
    'demo-upstream': { type: 'boolean', default: false },
  });
  const quickstart = values.config === undefined;
  const dir = values.config ?? QUICKSTART_DIR;
  const plan = compilePlan(dir);
  const logger = createLogger(plan.gateway.logging.level);
  const stores = openStores(plan.gateway.store, plan.dir);

  let upstream: Server | undefined;
  let gateway: Gateway;
  try {
    if (quickstart || values['demo-upstream'])
      upstream = await startOrdersUpstream(DEMO_UPSTREAM.host, DEMO_UPSTREAM.port);
    gateway = await Gateway.start({ configDir: dir, logger, stores, plan });
  } catch (error) {
    upstream?.close();
    stores.close();
    throw error;
  }
  if (quickstart) {
    const key = ensureDemoKey(plan, stores.apiKeys, systemClock);
    io.stderr.write(quickstartBanner(gateway.url, `http://${DEMO_UPSTREAM.host}:${DEMO_UPSTREAM.port}`, key));
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
        .then(() => {
          upstream?.close();
          stores.close();
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
