import Type from 'typebox';
import { adminOperation } from '../operation.ts';
import { SignedHeadSchema } from '../schemas.ts';

export const listHeads = adminOperation({
  permission: 'audit:read',
  method: 'GET',
  path: '/admin/v1/audit/heads',
  operationId: 'listHeads',
  summary: 'Signed tree heads larger than `after`, smallest first',
  query: Type.Object(
    {
      after: Type.Integer({ minimum: -1, default: -1 }),
      limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
    },
    { additionalProperties: false },
  ),
  response: Type.Object({ heads: Type.Array(SignedHeadSchema) }),
  async handle(query, ctx) {
    return { json: { heads: await ctx.audit.heads(query.after, query.limit) } };
  },
});
