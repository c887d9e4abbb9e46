import Type from 'typebox';
import { adminOperation } from '../operation.ts';

export const getOpenApi = adminOperation({
  permission: 'audit:read',
  method: 'GET',
  path: '/admin/v1/openapi.json',
  operationId: 'getOpenApi',
  summary: 'This API described as OpenAPI 3.1, generated from the operations themselves',
  query: Type.Object({}, { additionalProperties: false }),
  response: Type.Object({ openapi: Type.String() }, { additionalProperties: true }),
  async handle(_query, ctx) {
    return { json: ctx.openapi() };
  },
});
