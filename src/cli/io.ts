import { userInfo } from 'node:os';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { ConfigError, formatIssue } from '../config/issues.ts';
import { PortcullisError } from '../errors.ts';

/** Where a command writes; tests pass buffers. */
export interface CliIO {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export class UsageError extends Error {}

/** The audit actor for commands run from a shell. */
export function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}

/** `parseArgs` with unknown options as usage errors rather than exceptions. */
export function parseCommandArgs<T extends ParseArgsConfig['options']>(
  args: string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Prints an expected failure and returns its exit code; rethrows bugs. */
export function reportFailure(error: unknown, io: CliIO): number {
  if (error instanceof UsageError) {
    io.stderr.write(`usage error: ${error.message}\nRun "portcullis help" for usage.\n`);
    return EXIT_USAGE;
  }
  if (error instanceof ConfigError) {
    for (const issue of error.issues) io.stderr.write(`${formatIssue(issue)}\n`);
    io.stderr.write(`${error.issues.length} error(s) in the configuration\n`);
    return EXIT_FAILED;
  }
  if (PortcullisError.is(error)) {
    io.stderr.write(`error [${error.code}]: ${error.message}\n`);
    return EXIT_FAILED;
  }
  throw error;
}

/** The partner named by `--partner`, which must have a contract. */
export function requirePartner(partner: string | undefined, contracts: ReadonlyMap<string, unknown>): string {
  if (partner === undefined) throw new UsageError('--partner is required');
  if (!contracts.has(partner)) {
    throw new PortcullisError(
      'partner_unknown',
      `no contract for partner "${partner}" (known: ${[...contracts.keys()].join(', ') || 'none'})`,
    );
  }
  return partner;
}
