import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { once } from 'node:events';
import type { CpuMessage, ReadyMessage, ReloadedMessage } from './servers/ipc.ts';

/** A server under test in its own process. */
export interface ServerProcess {
  readonly url: string;
  /** CPU time (user + system) this process has used so far, in microseconds. */
  cpuMicros(): Promise<number>;
  /** Asks a gateway to reload its configuration directory; resolves once it has. */
  reload(): Promise<void>;
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
    async reload() {
      child.send('reload');
      const [reply] = (await once(child, 'message')) as [ReloadedMessage];
      if (!reply.reloaded) throw new Error('the server did not reload its configuration');
    },
    async stop() {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}
