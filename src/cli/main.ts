import { readFileSync } from 'node:fs';
import { ADMIN_USAGE, adminCommand } from './admin.ts';
import { AUDIT_USAGE, auditCommand } from './audit.ts';
import { CHECK_USAGE, checkCommand } from './check.ts';
import { CLIENTS_USAGE, clientsCommand } from './clients.ts';
import { type CliIO, EXIT_OK, EXIT_USAGE, reportFailure } from './io.ts';
import { KEYS_USAGE, keysCommand } from './keys.ts';
import { PARTNERS_USAGE, partnersCommand } from './partners.ts';
import { START_USAGE, startCommand } from './start.ts';

const USAGE = `Portcullis: a zero-trust gateway for partner and service-to-service traffic.

Usage:
  ${START_USAGE}
  ${CHECK_USAGE}
${[KEYS_USAGE, PARTNERS_USAGE, CLIENTS_USAGE, AUDIT_USAGE, ADMIN_USAGE]
  .join('\n')
  .split('\n')
  .map((l) => `  ${l}`)
  .join('\n')}
  portcullis help | --version
`;

type Command = (args: string[], io: CliIO) => number | Promise<number>;

const COMMANDS: Readonly<Record<string, Command>> = {
  start: startCommand,
  check: checkCommand,
  keys: keysCommand,
  partners: partnersCommand,
  clients: clientsCommand,
  audit: auditCommand,
  admin: adminCommand,
};

/** Runs one CLI command and returns its exit code. */
export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.stdout.write(USAGE);
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (name === '--version') {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    io.stdout.write(`${pkg.version}\n`);
    return EXIT_OK;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    io.stderr.write(`unknown command "${name}"\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  try {
    return await command(args, io);
  } catch (error) {
    return reportFailure(error, io);
  }
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2), process);
}
