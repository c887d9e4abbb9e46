import { compilePlan } from '../config/plan.ts';
import { type CliIO, EXIT_OK, parseCommandArgs } from './io.ts';

export const CHECK_USAGE = 'portcullis check [DIR] [--json]   validate a configuration directory offline';

/** `portcullis check DIR`: compiles the whole configuration and reports every error with its location. */
export function checkCommand(args: string[], io: CliIO): number {
  const { values, positionals } = parseCommandArgs(args, { json: { type: 'boolean', default: false } }, true);
  const dir = positionals[0] ?? '.';
  const plan = compilePlan(dir);
  const operations = [...plan.apis.values()].reduce((n, api) => n + api.spec.operations.length, 0);
  if (values.json) {
    io.stdout.write(
      `${JSON.stringify({ ok: true, version: plan.version, apis: plan.apis.size, operations, contracts: plan.contracts.size })}\n`,
    );
  } else {
    io.stdout.write(
      `ok: plan ${plan.version}: ${plan.apis.size} API(s), ${operations} operation(s), ${plan.contracts.size} contract(s)\n`,
    );
  }
  return EXIT_OK;
}
