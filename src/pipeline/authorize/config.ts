import Type from 'typebox';
import type { ConfigIssue } from '../../config/issues.ts';
import type { LoadedConfig } from '../../config/load.ts';
import { closed, Name } from '../../config/names.ts';
import type { OperationSpec } from '../../config/openapi.ts';

/** Operations of one API that a contract grants, by OpenAPI operationId. */
export const GrantSchema = Type.Object(
  {
    api: Name,
    operations: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, uniqueItems: true }),
  },
  closed,
);

export type GrantConfig = Type.Static<typeof GrantSchema>;

/** Operations each partner's contract grants, by identity of the operation. */
export type GrantTable = ReadonlyMap<string, ReadonlySet<OperationSpec>>;

export function compileGrants(loaded: LoadedConfig, issues: ConfigIssue[]): GrantTable {
  const table = new Map<string, Set<OperationSpec>>();
  for (const contract of loaded.contracts.values()) {
    const granted = new Set<OperationSpec>();
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
        granted.add(operation);
      });
    });
  }
  return table;
}
