import Type from 'typebox';
import { adminOperation } from '../operation.ts';
import { SignedHeadSchema } from '../schemas.ts';

export const getLatestHead = adminOperation({
  permission: 'audit:read',
  method: 'GET',
  path: '/admin/v1/audit/heads/latest',
  operationId: 'getLatestHead',
  summary: 'The latest signed tree head of the audit log',
  query: Type.Object({}, { additionalProperties: false }),
  response: SignedHeadSchema,
  async handle(_query, ctx) {
    const head = await ctx.audit.latestHead();
    if (head === undefined)
      return { problem: 'audit_event_not_found', detail: 'No head has been signed yet.' };
    return { json: head };
  },
});
