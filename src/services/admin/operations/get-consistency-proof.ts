import Type from 'typebox';
import { consistencyProof } from '../../../audit/proofs.ts';
import { adminOperation } from '../operation.ts';
import { HashPath, SizeParam } from '../schemas.ts';

export const getConsistencyProof = adminOperation({
  permission: 'audit:read',
  method: 'GET',
  path: '/admin/v1/audit/proofs/consistency',
  operationId: 'getConsistencyProof',
  summary: 'Proves that the tree of `from` events is a prefix of the tree of `to` events (RFC 9162 §2.1.4)',
  query: Type.Object({ from: SizeParam, to: SizeParam }, { additionalProperties: false }),
  response: Type.Object({ from: Type.Integer(), to: Type.Integer(), path: HashPath }),
  async handle(query, ctx) {
    if (query.from > query.to)
      return { problem: 'admin_request_invalid', detail: '`from` must not be larger than `to`.' };
    if (query.to > (await ctx.audit.size()))
      return { problem: 'audit_event_not_found', detail: 'The log is smaller than `to`.' };
    return { json: await consistencyProof(ctx.audit, query.from, query.to) };
  },
});
