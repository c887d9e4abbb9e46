import Type from 'typebox';
import { ContractAuditSchema } from '../audit/config.ts';
import { ContractCredentialsSchema } from '../pipeline/authenticate/config.ts';
import { GrantSchema } from '../pipeline/authorize/config.ts';
import { ContentSchema } from '../pipeline/inspect/config.ts';
import { ContractLimitsSchema } from '../pipeline/limit/config.ts';
import { closed, Name } from './names.ts';

/** `contracts/<partner>.yaml`: what one partner may do. */
export const ContractSchema = Type.Object(
  {
    version: Type.Literal(1),
    partner: Name,
    description: Type.Optional(Type.String()),
    credentials: ContractCredentialsSchema,
    grants: Type.Array(GrantSchema, { default: [] }),
    limits: ContractLimitsSchema,
    /** Content rules: sizes, types, codings, strict JSON, schema strictness, digests, scanning, deny rules. */
    content: ContentSchema,
    audit: ContractAuditSchema,
  },
  {
    ...closed,
    'x-renamed': {
      operations: 'grants[].operations',
      apiKeys: 'credentials.apiKeys',
      name: 'partner',
      id: 'partner',
      rate: 'limits.rate',
      quotas: 'limits.quotas',
      concurrency: 'limits.concurrency',
    },
  },
);

export type ContractConfig = Type.Static<typeof ContractSchema>;
