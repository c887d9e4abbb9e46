/**
 * The protocol between the benchmark and a server under test, which runs in its own
 * process: the server reports its port once listening, and answers CPU-usage queries so
 * the benchmark can charge CPU time to that process alone.
 */
export interface ReadyMessage {
  readonly ready: number;
}

export interface CpuMessage {
  readonly cpu: NodeJS.CpuUsage;
}

export interface ReloadedMessage {
  readonly reloaded: boolean;
}

/**
 * Reports `port` to the parent and answers its `cpu` queries, and its `reload` requests
 * when the server can reload its configuration.
 */
export function serveBenchmarkIpc(port: number, reload?: () => Promise<boolean>): void {
  process.send!({ ready: port } satisfies ReadyMessage);
  process.on('message', (message) => {
    if (message === 'cpu') process.send!({ cpu: process.cpuUsage() } satisfies CpuMessage);
    if (message === 'reload' && reload !== undefined)
      void reload().then((reloaded) => process.send!({ reloaded } satisfies ReloadedMessage));
  });
  process.on('disconnect', () => process.exit(0));
}
