import { compilePlan } from '../../src/config/plan.ts';
import { Gateway } from '../../src/gateway.ts';
import { createLogger } from '../../src/observe/logger.ts';
import { startTracing } from '../../src/observe/tracing/tracing.ts';
import { tuneGarbageCollectionForServing } from '../../src/runtime/gc-tuning.ts';
import { serveBenchmarkIpc } from './ipc.ts';

/** Portcullis itself, on the configuration directory given as argument, as `portcullis start` runs it. */
tuneGarbageCollectionForServing();
const configDir = process.argv[2]!;
const plan = compilePlan(configDir);
const logger = createLogger('warn');
const tracing = startTracing(plan.gateway.tracing, logger);
const recorders = tracing === undefined ? [] : [tracing.recorder];
const gateway = await Gateway.start({ configDir, logger, plan, recorders });
serveBenchmarkIpc(Number(new URL(gateway.url).port), () => gateway.reload().then((r) => r.ok));
process.on('SIGINT', () => void gateway.close().then(() => process.exit(0)));
