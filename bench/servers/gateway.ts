import { Gateway } from '../../src/gateway.ts';
import { createLogger } from '../../src/observe/logger.ts';
import { serveBenchmarkIpc } from './ipc.ts';

/** Portcullis itself, on the configuration directory given as argument. */
const gateway = await Gateway.start({ configDir: process.argv[2]!, logger: createLogger('warn') });
serveBenchmarkIpc(Number(new URL(gateway.url).port));
process.on('SIGINT', () => void gateway.close().then(() => process.exit(0)));
