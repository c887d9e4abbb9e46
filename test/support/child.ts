import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { collectTestLogs, recordApiKeysIn } from './secrets.ts';

const CLI = new URL('../../src/cli/main.ts', import.meta.url).pathname;

export interface GatewayProcess {
  readonly child: ChildProcess;
  /** Parsed JSON log lines from stdout, as they arrive. */
  readonly logs: Record<string, unknown>[];
  stderr(): string;
  /** Resolves with the first log line (past or future) that matches. */
  waitForLog(
    match: (line: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Runs `portcullis <args>` in a child process on the project's Node. Its stdout (the JSON
 * log) joins the run's log collection; API keys it prints on stderr are test secrets.
 */
export function spawnCli(args: string[]): GatewayProcess {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  const waiters: (() => void)[] = [];
  const notify = () => {
    for (const w of waiters.splice(0)) w();
  };
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    partial += chunk.toString();
    const lines = partial.split('\n');
    partial = lines.pop()!;
    collectTestLogs(lines);
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ text: line });
      }
    }
    notify();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    // The quickstart banner shows the demo key: a secret that no log line may contain.
    recordApiKeysIn(chunk.toString());
    notify();
  });
  child.on('exit', notify);

  function until<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out waiting for ${what}; stderr: ${stderr}`)),
        timeoutMs,
      );
      const check = () => {
        const found = probe();
        if (found !== undefined) {
          clearTimeout(timer);
          resolve(found);
        } else if (child.exitCode !== null) {
          clearTimeout(timer);
          reject(
            new Error(`process exited (${child.exitCode}) while waiting for ${what}; stderr: ${stderr}`),
          );
        } else {
          waiters.push(check);
        }
      };
      check();
    });
  }

  return {
    child,
    logs,
    stderr: () => stderr,
    waitForLog: (match, timeoutMs = 10_000) => until(() => logs.find(match), timeoutMs, 'a log line'),
    waitForStderr: (pattern, timeoutMs = 10_000) =>
      until(() => pattern.exec(stderr) ?? undefined, timeoutMs, String(pattern)),
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const [code] = (await once(child, 'exit')) as [number | null];
      return code;
    },
  };
}
