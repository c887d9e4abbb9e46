import { compilePlan } from '../config/plan.ts';
import { schemaText } from '../pipeline/authorize/cedar.ts';
import { type CliIO, EXIT_OK, parseCommandArgs } from './io.ts';

export const CHECK_USAGE =
  'portcullis check [DIR] [--json] [--cedar-schema]   validate a configuration directory offline';

/** `portcullis check DIR`: compiles the whole configuration and reports every error with its location. */
export function checkCommand(args: string[], io: CliIO): number {
  const { values, positionals } = parseCommandArgs(
    args,
    { json: { type: 'boolean', default: false }, 'cedar-schema': { type: 'boolean', default: false } },
    true,
  );
  const dir = positionals[0] ?? '.';
  const plan = compilePlan(dir);
  if (values['cedar-schema']) {
    io.stdout.write(schemaText(plan.authorization.schema));
    return EXIT_OK;
  }
  const operations = [...plan.apis.values()].reduce((n, api) => n + api.spec.operations.length, 0);
  const policies = plan.authorization.live.policies.size;
  const shadowPolicies = plan.authorization.shadow?.policies.size;
  if (values.json) {
    io.stdout.write(
      `${JSON.stringify({ ok: true, version: plan.version, apis: plan.apis.size, operations, contracts: plan.contracts.size, policies, shadowPolicies: shadowPolicies ?? null })}\n`,
    );
  } else {
    io.stdout.write(
      `ok: plan ${plan.version}: ${plan.apis.size} API(s), ${operations} operation(s), ${plan.contracts.size} contract(s)\n` +
        `cedar: ${policies} live polic${policies === 1 ? 'y' : 'ies'}` +
        `${shadowPolicies === undefined ? '' : `, ${shadowPolicies} in the shadow set`}, validated against the generated schema\n`,
    );
  }
  return EXIT_OK;
}
