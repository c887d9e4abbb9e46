import Type from 'typebox';
import { adminOperation } from '../operation.ts';

export const getMetrics = adminOperation({
  permission: 'metrics:read',
  method: 'GET',
  path: '/metrics',
  operationId: 'getMetrics',
  summary: 'Prometheus metrics of this gateway process',
  query: Type.Object({}, { additionalProperties: false }),
  response: { text: 'text/plain; version=0.0.4; charset=utf-8' },
  async handle(_query, ctx) {
    return { text: await ctx.metrics.registry.metrics(), contentType: ctx.metrics.registry.contentType };
  },
});
