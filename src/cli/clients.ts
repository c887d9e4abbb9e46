import { readFileSync } from 'node:fs';
import { systemClock } from '../clock.ts';
import { createClientService } from '../services/token/clients.ts';
import { parsePublicKeys } from '../services/token/jwk.ts';
import type { ClientRecord } from '../store/token-types.ts';
import { parseDuration } from './duration.ts';
import { type CliIO, cliActor, EXIT_OK, parseCommandArgs, requirePartner, UsageError } from './io.ts';
import { QUICKSTART_DIR } from './quickstart.ts';
import { withState } from './state.ts';

export const CLIENTS_USAGE = [
  'portcullis clients create --partner P [--app A] [--label L] [--jwk FILE [--with-secret]] [--config DIR]',
  'portcullis clients rotate-secret ID [--overlap 1h] [--config DIR]',
  'portcullis clients register-key ID --jwk FILE [--config DIR]',
  'portcullis clients revoke ID [--config DIR]',
  'portcullis clients list [--partner P] [--json] [--config DIR]',
].join('\n');

/**
 * `portcullis clients create|rotate-secret|register-key|revoke|list`: OAuth2 clients of
 * the built-in token service. Secrets are printed once and stored only as hashes.
 */
export function clientsCommand(args: string[], io: CliIO): number {
  const [sub, ...rest] = args;
  const { values, positionals } = parseCommandArgs(
    rest,
    {
      config: { type: 'string', default: QUICKSTART_DIR },
      partner: { type: 'string' },
      app: { type: 'string' },
      label: { type: 'string' },
      jwk: { type: 'string' },
      'with-secret': { type: 'boolean', default: false },
      overlap: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    true,
  );
  return withState(values.config, (plan, stores) => {
    const clients = createClientService({
      store: stores.clients,
      partners: stores.partners,
      audit: stores.audit,
      clock: systemClock,
      actor: cliActor(),
    });
    const id = () => {
      const given = positionals[0];
      if (given === undefined) throw new UsageError(`clients ${sub} needs a client id`);
      return given;
    };
    const keysFromFile = () => {
      if (values.jwk === undefined) throw new UsageError('--jwk FILE is required');
      return parsePublicKeys(readFileSync(values.jwk, 'utf8'));
    };
    const endpoint =
      plan.tokens === undefined
        ? '(no token service: add `tokens` to portcullis.yaml)'
        : plan.tokens.tokenEndpoint;
    switch (sub) {
      case 'create': {
        const partner = requirePartner(values.partner, plan.contracts);
        const keys = values.jwk === undefined ? undefined : keysFromFile();
        const { record, secret } = clients.create({
          partner,
          application: values.app,
          label: values.label,
          keys,
          secret: keys === undefined || values['with-secret'],
        });
        io.stdout.write(
          `client_id:     ${record.id}\n` +
            (secret === undefined ? '' : `client_secret: ${secret}   (shown once, store it now)\n`) +
            `partner: ${partner}  application: ${record.application}  keys: ${record.keys.length}\n` +
            `token endpoint: ${endpoint}\n`,
        );
        return EXIT_OK;
      }
      case 'rotate-secret': {
        const overlapMs = values.overlap === undefined ? 0 : parseDuration(values.overlap);
        const { record, secret } = clients.rotateSecret(id(), overlapMs);
        const until = record.previousSecretExpiresAt;
        io.stdout.write(
          `client_secret: ${secret}   (shown once, store it now)\n` +
            (until === undefined
              ? 'the previous secret no longer works\n'
              : `the previous secret works until ${new Date(until).toISOString()}\n`),
        );
        return EXIT_OK;
      }
      case 'register-key': {
        const record = clients.registerKeys(id(), keysFromFile());
        io.stdout.write(
          `registered; ${record.id} has ${record.keys.length} key(s): ${record.keys.map((k) => k.kid).join(', ')}\n`,
        );
        return EXIT_OK;
      }
      case 'revoke':
        clients.revoke(id());
        io.stdout.write(
          `revoked ${positionals[0]}: it cannot obtain tokens, and its live tokens are refused from the next request\n`,
        );
        return EXIT_OK;
      case 'list': {
        const records = clients.list(values.partner).map(describe);
        if (values.json) io.stdout.write(`${JSON.stringify(records)}\n`);
        else
          for (const r of records)
            io.stdout.write(
              `${r.id}  ${r.partner.padEnd(20)} ${r.application.padEnd(16)} ${r.status.padEnd(8)} ${r.auth}\n`,
            );
        return EXIT_OK;
      }
      default:
        throw new UsageError(
          `unknown clients subcommand ${sub === undefined ? '(none)' : `"${sub}"`}\n${CLIENTS_USAGE}`,
        );
    }
  });
}

function describe(r: ClientRecord) {
  const auth = [
    r.secretSha256 === undefined ? undefined : 'secret',
    r.keys.length === 0 ? undefined : `${r.keys.length} key(s)`,
  ];
  return {
    id: r.id,
    partner: r.partner,
    application: r.application,
    status: r.revokedAt === undefined ? 'active' : 'revoked',
    auth: auth.filter((a) => a !== undefined).join(', '),
    created: new Date(r.createdAt).toISOString(),
    label: r.label ?? null,
  };
}
