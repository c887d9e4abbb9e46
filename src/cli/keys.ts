import { systemClock } from '../clock.ts';
import { compilePlan, type RuntimePlan } from '../config/plan.ts';
import { PortcullisError } from '../errors.ts';
import { generateApiKey } from '../services/keys/format.ts';
import { createKeyService } from '../services/keys/service.ts';
import { openSigningKeyRing } from '../services/token/signing-keys.ts';
import { openStores } from '../store/open.ts';
import type { ApiKeyRecord, Stores } from '../store/types.ts';
import { parseDuration } from './duration.ts';
import { type CliIO, cliActor, EXIT_OK, parseCommandArgs, requirePartner, UsageError } from './io.ts';
import { QUICKSTART_DIR } from './quickstart.ts';

export const KEYS_USAGE = [
  'portcullis keys issue --partner P [--app A] [--label L] [--expires-in 90d] [--declare] [--config DIR]',
  'portcullis keys list [--partner P] [--json] [--config DIR]',
  'portcullis keys revoke ID [--config DIR]',
  'portcullis keys rotate-signing [--force] [--config DIR]',
].join('\n');

/** `portcullis keys issue|list|revoke`: manages API keys in the configured store. */
export async function keysCommand(args: string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseCommandArgs(
    rest,
    {
      config: { type: 'string', default: QUICKSTART_DIR },
      partner: { type: 'string' },
      app: { type: 'string' },
      label: { type: 'string' },
      'expires-in': { type: 'string' },
      declare: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      force: { type: 'boolean', default: false },
    },
    true,
  );
  const plan = compilePlan(values.config);

  if (sub === 'issue' && values.declare) {
    requirePartner(values.partner, plan.contracts);
    const generated = generateApiKey();
    io.stdout.write(
      `API key (shown once, store it now): ${generated.key}\n` +
        `Add to contracts/<partner>.yaml under credentials.apiKeys.declared:\n` +
        `  - id: ${generated.id}\n    sha256: ${generated.sha256}\n    application: ${values.app ?? 'default'}\n`,
    );
    return EXIT_OK;
  }

  const stores = openStores(plan.gateway.store, plan.dir, plan.gateway.audit);
  try {
    const keys = createKeyService({
      store: stores.apiKeys,
      audit: stores.audit,
      clock: systemClock,
      actor: cliActor(),
    });
    switch (sub) {
      case 'issue': {
        const partner = requirePartner(values.partner, plan.contracts);
        const ttlMs = values['expires-in'] === undefined ? undefined : parseDuration(values['expires-in']);
        const { key, record } = keys.issue({ partner, application: values.app, label: values.label, ttlMs });
        io.stdout.write(
          `API key (shown once, store it now): ${key}\nid: ${record.id}  partner: ${partner}  application: ${record.application}\n`,
        );
        return EXIT_OK;
      }
      case 'list': {
        const records = keys.list(values.partner);
        io.stdout.write(values.json ? `${JSON.stringify(records.map(describe))}\n` : table(records));
        return EXIT_OK;
      }
      case 'revoke': {
        const id = positionals[0];
        if (id === undefined) throw new UsageError('keys revoke needs a key id');
        keys.revoke(id);
        io.stdout.write(`revoked ${id}\n`);
        return EXIT_OK;
      }
      case 'rotate-signing':
        io.stdout.write(rotateSigning(plan, stores, values.force));
        return EXIT_OK;
      default:
        throw new UsageError(
          `unknown keys subcommand ${sub === undefined ? '(none)' : `"${sub}"`}\n${KEYS_USAGE}`,
        );
    }
  } finally {
    await stores.close();
  }
}

/** `keys rotate-signing`: the token service's next key starts signing now. */
function rotateSigning(plan: RuntimePlan, stores: Stores, force: boolean): string {
  if (plan.tokens === undefined) {
    throw new PortcullisError(
      'key_not_found',
      'no token service is configured (`tokens` in portcullis.yaml)',
    );
  }
  const ring = openSigningKeyRing(plan, { stores, clock: systemClock, actor: cliActor() });
  const { previous, current, next } = ring.rotate(plan.tokens.signing, { force });
  const until = new Date(Date.now() + plan.tokens.signing.retireAfterMs).toISOString();
  return `signing with ${current} from now on
next key ${next} is published
${previous} stays published until ${until}
`;
}

function describe(r: ApiKeyRecord) {
  const status =
    r.revokedAt !== undefined
      ? 'revoked'
      : r.expiresAt !== undefined && r.expiresAt <= Date.now()
        ? 'expired'
        : 'active';
  return {
    id: r.id,
    partner: r.partner,
    application: r.application,
    status,
    created: new Date(r.createdAt).toISOString(),
    expires: r.expiresAt === undefined ? null : new Date(r.expiresAt).toISOString(),
    label: r.label ?? null,
  };
}

function table(records: ApiKeyRecord[]): string {
  const rows = records.map(describe);
  const header = ['ID', 'PARTNER', 'APPLICATION', 'STATUS', 'CREATED', 'EXPIRES', 'LABEL'];
  const cells = rows.map((r) => [
    r.id,
    r.partner,
    r.application,
    r.status,
    r.created,
    r.expires ?? '-',
    r.label ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) =>
    `${c
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd()}\n`;
  return line(header) + cells.map(line).join('');
}
