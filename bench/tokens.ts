import type { ServerProcess } from './processes.ts';
import { type LoadOptions, runWrk, type Workload } from './wrk.ts';

export interface TokenSample {
  readonly tokensPerSecond: number;
  readonly p50Ms: number;
  readonly cpuMicrosPerToken: number;
  readonly errors: number;
}

/**
 * Tokens issued per second: `POST /oauth2/token` (client credentials, secret in Basic)
 * under the same load as the proxy runs, with the server's own CPU time per token.
 */
export async function measureTokenIssuance(
  server: ServerProcess,
  request: Workload,
  options: LoadOptions,
  scratch: string,
): Promise<TokenSample> {
  await runWrk(server.url, request, { ...options, seconds: 1 }, scratch);
  const cpuBefore = await server.cpuMicros();
  const result = await runWrk(server.url, request, options, scratch);
  const cpu = (await server.cpuMicros()) - cpuBefore;
  return {
    tokensPerSecond: result.rps,
    p50Ms: result.p50Ms,
    cpuMicrosPerToken: cpu / result.requests,
    errors: result.errors,
  };
}
