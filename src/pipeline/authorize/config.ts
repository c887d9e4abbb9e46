import Type from 'typebox';
import type { ConfigIssue } from '../../config/issues.ts';
import type { LoadedConfig } from '../../config/load.ts';
import { closed, Name } from '../../config/names.ts';
import type { OperationSpec } from '../../config/openapi.ts';

/** RFC 6749 §3.3 scope-token. */
export const SCOPE_PATTERN = '^[\\x21\\x23-\\x5b\\x5d-\\x7e]+$';

/** Operations of one API that a contract grants, by OpenAPI operationId. */
export const GrantSchema = Type.Object(
  {
    api: Name,
    operations: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, uniqueItems: true }),
    /**
     * Scopes a scope-limited credential (an access token) must carry, all of them, to call
     * these operations. Credentials that carry no scopes (API keys) are limited by the
     * contract alone.
     */
    scopes: Type.Array(Type.String({ pattern: SCOPE_PATTERN, 'x-message': 'must be an OAuth scope token' }), {
      uniqueItems: true,
      default: [],
    }),
  },
  closed,
);

export type GrantConfig = Type.Static<typeof GrantSchema>;

/** For each partner, the operations its contract grants and the scopes each one requires. */
export type GrantTable = ReadonlyMap<string, ReadonlyMap<OperationSpec, readonly string[]>>;

export function compileGrants(loaded: LoadedConfig, issues: ConfigIssue[]): GrantTable {
  const table = new Map<string, Map<OperationSpec, readonly string[]>>();
  for (const contract of loaded.contracts.values()) {
    const granted = new Map<OperationSpec, readonly string[]>();
    table.set(contract.partner, granted);
    contract.config.grants.forEach((grant, i) => {
      const api = loaded.apis.get(grant.api);
      if (api === undefined) {
        const known = [...loaded.apis.keys()].join(', ') || 'none';
        issues.push(
          contract.source.issue(['grants', i, 'api'], `unknown API \`${grant.api}\` (configured: ${known})`),
        );
        return;
      }
      grant.operations.forEach((id, j) => {
        const operation = api.spec.operations.find((o) => o.id === id);
        if (operation === undefined) {
          issues.push(
            contract.source.issue(
              ['grants', i, 'operations', j],
              `API \`${grant.api}\` has no operation \`${id}\``,
            ),
          );
          return;
        }
        if (granted.has(operation)) {
          issues.push(
            contract.source.issue(
              ['grants', i, 'operations', j],
              `operation \`${id}\` is granted by more than one grant`,
            ),
          );
          return;
        }
        granted.set(operation, Object.freeze([...grant.scopes]));
      });
    });
  }
  return table;
}
