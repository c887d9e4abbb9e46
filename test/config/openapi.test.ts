import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseTemplate, readOpenApi } from '../../src/config/openapi.ts';
import { SourceFile } from '../../src/config/source.ts';

function read(text: string) {
  const source = SourceFile.parse('api.yaml', text);
  assert.ok(!Array.isArray(source), JSON.stringify(source));
  return readOpenApi(source);
}

describe('reading an OpenAPI document', () => {
  test('extracts operations with method, template and path-level parameters', () => {
    const { spec, issues } = read(`openapi: 3.0.3
paths:
  /a/{id}:
    parameters: [{ name: id, in: path, required: true }]
    get: { operationId: getA }
    put: { operationId: putA }
`);
    assert.deepEqual(issues, []);
    assert.deepEqual(
      spec?.operations.map((o) => [o.id, o.method, o.template, o.pathParameters.length]),
      [
        ['getA', 'GET', '/a/{id}', 1],
        ['putA', 'PUT', '/a/{id}', 1],
      ],
    );
  });

  test('requires a unique operationId on every operation, pointing at the operation', () => {
    const { issues } = read(`openapi: 3.1.0
paths:
  /a:
    get: { operationId: same }
    post: {}
  /b:
    get: { operationId: same }
`);
    assert.deepEqual(
      issues.map((i) => [i.line, i.message]),
      [
        [5, 'operation has no `operationId`: contracts grant operations by id'],
        [7, 'operationId `same` is already used by GET /a'],
      ],
    );
  });

  test('refuses other OpenAPI versions, path item $ref and unknown path item keys', () => {
    const { issues } = read(`openapi: 2.0
paths:
  /a:
    $ref: '#/x'
    fetch: { operationId: f }
`);
    assert.deepEqual(
      issues.map((i) => i.path),
      ['openapi', 'paths./a.$ref', 'paths./a.fetch'],
    );
  });

  test('refuses templates that would match the same requests', () => {
    const { issues } = read(`openapi: 3.1.0
paths:
  /a/{x}: { get: { operationId: one } }
  /a/{y}: { get: { operationId: two } }
`);
    assert.equal(issues.length, 1);
    assert.match(issues[0]!.message, /matches the same requests as `\/a\/\{x\}`/);
  });
});

describe('parseTemplate', () => {
  test('splits literal, whole-parameter and mixed segments', () => {
    const segments = parseTemplate('/a/{id}/f/{name}.{ext}');
    assert.ok(Array.isArray(segments));
    assert.deepEqual(
      segments.map((s) => s.kind),
      ['literal', 'param', 'literal', 'pattern'],
    );
  });

  test('rejects malformed templates', () => {
    for (const bad of ['a', '/a//b', '/a/../b', '/a/{', '/a/{x', '/a/x}', '/a/{x}{y}', '/a/{x y}']) {
      assert.equal(typeof parseTemplate(bad), 'string', bad);
    }
  });
});
