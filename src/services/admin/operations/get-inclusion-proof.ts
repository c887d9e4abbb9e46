import Type from 'typebox';
import { inclusionProof } from '../../../audit/proofs.ts';
import { adminOperation } from '../operation.ts';
import { HashPath, SeqParam, SizeParam } from '../schemas.ts';

export const getInclusionProof = adminOperation({
  permission: 'audit:read',
  method: 'GET',
  path: '/admin/v1/audit/proofs/inclusion',
  operationId: 'getInclusionProof',
  summary: 'Proves that event `seq` is in the tree of the first `size` events (RFC 9162 §2.1.3)',
  query: Type.Object(
    { seq: SeqParam, size: Type.Optional(SizeParam) },
    { additionalProperties: false, description: '`size` defaults to the latest signed head' },
  ),
  response: Type.Object({
    seq: Type.Integer(),
    size: Type.Integer(),
    leaf: Type.String({ description: 'The event line exactly as hashed' }),
    path: HashPath,
  }),
  async handle(query, ctx) {
    const size = query.size ?? (await ctx.audit.latestHead())?.size ?? 0;
    if (query.seq >= size || size > (await ctx.audit.size()))
      return { problem: 'audit_event_not_found', detail: 'No such event in a tree of that size.' };
    return { json: await inclusionProof(ctx.audit, query.seq, size) };
  },
});
