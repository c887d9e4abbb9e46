import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { once } from 'node:events';
import type { CpuMessage, ReadyMessage } from './servers/ipc.ts';

/** A server under test in its own process. */
export interface ServerProcess {
  readonly url: string;
  /** CPU time (user + system) this process has used so far, in microseconds. */
  cpuMicros(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Starts a server script in its own process, pinned to `cpu` when given (taskset), so the
 * server under test does not share a core with the load generator.
 */
export async function startServer(script: string, args: string[], cpu?: number): Promise<ServerProcess> {
  const child: ChildProcess = fork(new URL(`./servers/${script}`, import.meta.url).pathname, args, {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  if (cpu !== undefined)
    execFileSync('taskset', ['-a', '-pc', String(cpu), String(child.pid)], { stdio: 'ignore' });
  const [message] = (await once(child, 'message')) as [ReadyMessage];
  return {
    url: `http://127.0.0.1:${message.ready}`,
    async cpuMicros() {
      child.send('cpu');
      const [reply] = (await once(child, 'message')) as [CpuMessage];
      return reply.cpu.user + reply.cpu.system;
    },
    async stop() {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}
