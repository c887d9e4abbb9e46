import { main } from '../../src/cli/main.ts';
import { recordApiKeysIn } from './secrets.ts';

/** Runs the CLI in this process and captures what it writes; API keys it prints are test secrets. */
export async function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  recordApiKeysIn(stdout + stderr);
  return { code, stdout, stderr };
}
