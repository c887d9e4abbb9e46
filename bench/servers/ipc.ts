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

/** Reports `port` to the parent and answers its `cpu` queries. */
export function serveBenchmarkIpc(port: number): void {
  process.send!({ ready: port } satisfies ReadyMessage);
  process.on('message', (message) => {
    if (message === 'cpu') process.send!({ cpu: process.cpuUsage() } satisfies CpuMessage);
  });
  process.on('disconnect', () => process.exit(0));
}
