import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock } from '../clock.ts';
import { CONTRACTS_DIR } from '../config/load.ts';
import { NAME_PATTERN } from '../config/names.ts';
import type { RuntimePlan } from '../config/plan.ts';
import { PortcullisError } from '../errors.ts';
import { createPartnerService } from '../services/partners/service.ts';
import type { Stores } from '../store/types.ts';
import { type CliIO, cliActor, EXIT_OK, parseCommandArgs, UsageError } from './io.ts';
import { QUICKSTART_DIR } from './quickstart.ts';
import { withState } from './state.ts';

export const PARTNERS_USAGE = [
  'portcullis partners create P [--description D] [--config DIR]',
  'portcullis partners suspend|resume P [--reason R] [--config DIR]',
  'portcullis partners decommission P --yes [--reason R] [--config DIR]',
  'portcullis partners list [--json] [--config DIR]',
].join('\n');

const NAME = new RegExp(NAME_PATTERN);

/**
 * `portcullis partners create|suspend|resume|decommission|list`: a partner's lifecycle.
 * Partners are defined by contracts; their status lives in the store and is checked on
 * every request by every gateway sharing it.
 */
export function partnersCommand(args: string[], io: CliIO): number {
  const [sub, ...rest] = args;
  const { values, positionals } = parseCommandArgs(
    rest,
    {
      config: { type: 'string', default: QUICKSTART_DIR },
      description: { type: 'string' },
      reason: { type: 'string' },
      yes: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    true,
  );
  return withState(values.config, (plan, stores) => {
    const partners = createPartnerService({ ...stores, clock: systemClock, actor: cliActor() });
    if (sub === 'list') {
      const statuses = new Map(partners.list().map((r) => [r.partner, r]));
      const names = [...new Set([...plan.contracts.keys(), ...statuses.keys()])].sort();
      const rows = names.map((partner) => ({
        partner,
        status: statuses.get(partner)?.status ?? 'active',
        contract: plan.contracts.has(partner),
        changed: statuses.has(partner) ? new Date(statuses.get(partner)!.changedAt).toISOString() : null,
      }));
      if (values.json) io.stdout.write(`${JSON.stringify(rows)}\n`);
      else
        for (const r of rows)
          io.stdout.write(
            `${r.partner.padEnd(24)} ${r.status.padEnd(15)} ${r.contract ? '' : '(no contract)'}\n`,
          );
      return EXIT_OK;
    }
    const partner = positionals[0];
    if (partner === undefined || !NAME.test(partner)) {
      throw new UsageError(
        `partners ${sub ?? ''} needs a partner name (lower-case letters, digits, -)\n${PARTNERS_USAGE}`,
      );
    }
    switch (sub) {
      case 'create': {
        const file = ensureContract(plan, partner, values.description);
        partners.create(partner, values.reason);
        io.stdout.write(
          `partner ${partner} is active\n` +
            (file === undefined ? '' : `wrote ${file}: it grants nothing yet; add grants to it\n`) +
            `next: portcullis clients create --partner ${partner}  or  portcullis keys issue --partner ${partner}\n`,
        );
        return EXIT_OK;
      }
      case 'suspend':
        known(plan, stores, partner);
        partners.suspend(partner, values.reason);
        io.stdout.write(
          `partner ${partner} is suspended: every credential is refused from the next request\n`,
        );
        return EXIT_OK;
      case 'resume':
        partners.resume(partner, values.reason);
        io.stdout.write(`partner ${partner} is active again\n`);
        return EXIT_OK;
      case 'decommission': {
        if (!values.yes) throw new UsageError('decommissioning is final: confirm with --yes');
        known(plan, stores, partner);
        const result = partners.decommission(partner, values.reason);
        io.stdout.write(
          `partner ${partner} is decommissioned: revoked ${result.apiKeys} API key(s) and ${result.clients} client(s); ` +
            'its tokens and declared keys are refused from the next request\n',
        );
        return EXIT_OK;
      }
      default:
        throw new UsageError(
          `unknown partners subcommand ${sub === undefined ? '(none)' : `"${sub}"`}\n${PARTNERS_USAGE}`,
        );
    }
  });
}

function known(plan: RuntimePlan, stores: Stores, partner: string): void {
  if (plan.contracts.has(partner) || stores.partners.get(partner) !== undefined) return;
  throw new PortcullisError('partner_unknown', `no contract and no record for partner "${partner}"`);
}

/** Writes a contract that grants nothing, unless the partner has one; returns the file written. */
function ensureContract(
  plan: RuntimePlan,
  partner: string,
  description: string | undefined,
): string | undefined {
  if (plan.contracts.has(partner)) return undefined;
  const file = join(plan.dir, CONTRACTS_DIR, `${partner}.yaml`);
  if (existsSync(file))
    throw new PortcullisError('partner_state', `${file} exists but does not define partner ${partner}`);
  const lines = [
    `# Contract of ${partner}, created by \`portcullis partners create\`. Nothing is granted until you add grants.`,
    'version: 1',
    `partner: ${partner}`,
    ...(description === undefined ? [] : [`description: ${JSON.stringify(description)}`]),
    'grants: []',
    '',
  ];
  mkdirSync(join(plan.dir, CONTRACTS_DIR), { recursive: true });
  writeFileSync(file, lines.join('\n'), { flag: 'wx' });
  return file;
}
