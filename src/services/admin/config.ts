import Type from 'typebox';
import type { ConfigIssue } from '../../config/issues.ts';
import type { LoadedConfig } from '../../config/load.ts';
import { closed, Name } from '../../config/names.ts';

/** What each role may do on the admin listener. A role grants nothing beyond its list. */
export const ROLE_PERMISSIONS = {
  auditor: ['audit:read'],
  metrics: ['metrics:read'],
  admin: ['audit:read', 'metrics:read'],
} as const satisfies Record<string, readonly string[]>;

export type Role = keyof typeof ROLE_PERMISSIONS;
export type Permission = (typeof ROLE_PERMISSIONS)[Role][number];

/** An admin token as configured: only its SHA-256, with the roles it carries. */
export const AdminTokenSchema = Type.Object(
  {
    /** Names the token's holder in the audit log (`admin:<id>`). */
    id: Name,
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$', 'x-message': 'must be 64 lower-case hex digits' }),
    roles: Type.Array(Type.Enum(Object.keys(ROLE_PERMISSIONS) as Role[]), { minItems: 1, uniqueItems: true }),
  },
  closed,
);

/** `admin` in portcullis.yaml: who may use the admin listener. */
export const AdminSchema = Type.Object(
  { tokens: Type.Array(AdminTokenSchema, { default: [] }) },
  { ...closed, default: {} },
);

export type AdminConfig = Type.Static<typeof AdminSchema>;

/** A configured token, ready for a constant-time comparison. */
export interface AdminPrincipal {
  readonly id: string;
  readonly sha256: Buffer;
  readonly permissions: ReadonlySet<Permission>;
}

export function compileAdminTokens(loaded: LoadedConfig, issues: ConfigIssue[]): readonly AdminPrincipal[] {
  const seen = new Set<string>();
  const principals: AdminPrincipal[] = [];
  loaded.gateway.admin.tokens.forEach((token, i) => {
    if (seen.has(token.id) || seen.has(token.sha256)) {
      issues.push(loaded.gatewaySource.issue(['admin', 'tokens', i], 'admin token id or hash is repeated'));
      return;
    }
    seen.add(token.id);
    seen.add(token.sha256);
    principals.push({
      id: token.id,
      sha256: Buffer.from(token.sha256, 'hex'),
      permissions: new Set(token.roles.flatMap((role) => ROLE_PERMISSIONS[role])),
    });
  });
  return principals;
}
