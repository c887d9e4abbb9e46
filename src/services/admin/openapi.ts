import { PROBLEM_CODES } from '../../http/problem-codes.ts';
import type { AdminOperation } from './operation.ts';

const PROBLEM = { $ref: '#/components/schemas/Problem' };

/** The admin API's OpenAPI 3.1 document, generated from the operations' declarations. */
export function adminOpenApi(
  operations: readonly AdminOperation[],
  version: string,
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const query = op.query as unknown as { properties?: Record<string, object>; required?: string[] };
    const parameters = Object.entries(query.properties ?? {}).map(([name, schema]) => ({
      name,
      in: 'query',
      required: query.required?.includes(name) ?? false,
      schema,
    }));
    const content =
      'text' in op.response
        ? { [op.response.text]: { schema: { type: 'string' } } }
        : { 'application/json': { schema: op.response } };
    paths[op.path] = {
      ...paths[op.path],
      [op.method.toLowerCase()]: {
        operationId: op.operationId,
        summary: op.summary,
        'x-permission': op.permission,
        security: [{ adminToken: [] }],
        parameters,
        responses: {
          '200': { description: 'OK', content },
          default: {
            description: 'A problem (RFC 9457)',
            content: { 'application/problem+json': { schema: PROBLEM } },
          },
        },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Portcullis admin API', version },
    paths,
    components: {
      securitySchemes: {
        adminToken: {
          type: 'http',
          scheme: 'bearer',
          description:
            'An admin token whose SHA-256 is listed under admin.tokens, with roles granting the permission',
        },
      },
      schemas: {
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'code', 'decision_id'],
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            code: { type: 'string', enum: Object.keys(PROBLEM_CODES) },
            detail: { type: 'string' },
            decision_id: { type: 'string' },
          },
        },
      },
    },
  };
}
