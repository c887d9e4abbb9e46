import { ROLE_PERMISSIONS, type Role } from '../services/admin/config.ts';
import { generateAdminToken } from '../services/admin/token.ts';
import { type CliIO, EXIT_OK, parseCommandArgs, UsageError } from './io.ts';

export const ADMIN_USAGE = `portcullis admin token --id NAME --roles ROLE[,ROLE]   roles: ${Object.keys(ROLE_PERMISSIONS).join(', ')}`;

/** `portcullis admin token`: makes an admin token and prints the entry for `admin.tokens`. */
export function adminCommand(args: string[], io: CliIO): number {
  const [sub, ...rest] = args;
  const { values } = parseCommandArgs(rest, { id: { type: 'string' }, roles: { type: 'string' } });
  if (sub !== 'token') throw new UsageError(`unknown admin subcommand\n${ADMIN_USAGE}`);
  if (values.id === undefined || !/^[a-z][a-z0-9-]{0,62}$/.test(values.id))
    throw new UsageError('--id must be a lower-case name');
  const roles = (values.roles ?? '').split(',').filter(Boolean);
  const unknown = roles.filter((r) => !Object.hasOwn(ROLE_PERMISSIONS, r));
  if (roles.length === 0 || unknown.length > 0)
    throw new UsageError(`--roles must list roles among ${Object.keys(ROLE_PERMISSIONS).join(', ')}`);
  const { token, sha256 } = generateAdminToken();
  io.stdout.write(
    `Admin token (shown once, store it now): ${token}\n` +
      `Send it as "Authorization: Bearer <token>". Add to portcullis.yaml under admin.tokens:\n` +
      `  - id: ${values.id}\n    sha256: ${sha256}\n    roles: [${(roles as Role[]).join(', ')}]\n`,
  );
  return EXIT_OK;
}
