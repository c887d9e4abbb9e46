import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type SchemaDialect, toJsonSchema } from '../../../src/pipeline/inspect/openapi-schema.ts';
import { createSchemaCompiler } from '../../../src/pipeline/inspect/validators.ts';

const compile = createSchemaCompiler();

/** Compiles `schema` (inside `document`) and returns a checker listing `rule pointer` violations. */
function checker(schema: unknown, options: Partial<SchemaDialect> = {}) {
  const dialect: SchemaDialect = { document: {}, openapi30: false, unknownProperties: 'reject', ...options };
  const converted = toJsonSchema(schema, [], dialect);
  assert.ok('schema' in converted, JSON.stringify(converted));
  const validator = compile(converted.schema);
  assert.ok(typeof validator !== 'string', String(validator));
  return (data: unknown, classes?: Set<string>) =>
    (validator.check(data, '', classes) ?? []).map((v) => `${v.rule} ${v.pointer}`).sort();
}

describe('OpenAPI schemas as JSON Schema 2020-12', () => {
  test('rewrites OpenAPI 3.0 nullable and boolean exclusive bounds', () => {
    const check = checker(
      {
        type: 'object',
        properties: { n: { type: 'integer', nullable: true, minimum: 0, exclusiveMinimum: true } },
      },
      { openapi30: true },
    );
    assert.deepEqual(check({ n: null }), []);
    assert.deepEqual(check({ n: 1 }), []);
    assert.deepEqual(check({ n: 0 }), ['exclusiveMinimum /n']);
  });

  test('closes objects that list properties, seeing through allOf, and leaves free-form objects open', () => {
    const document = {
      components: {
        schemas: {
          Base: { type: 'object', properties: { id: { type: 'string' } } },
          Free: { type: 'object' },
        },
      },
    };
    const check = checker(
      {
        type: 'object',
        properties: {
          pet: {
            allOf: [{ $ref: '#/components/schemas/Base' }, { properties: { name: { type: 'string' } } }],
          },
          meta: { $ref: '#/components/schemas/Free' },
          open: { type: 'object', properties: { a: {} }, additionalProperties: true },
        },
      },
      { document },
    );
    assert.deepEqual(check({ pet: { id: 'a', name: 'b' }, meta: { anything: 1 }, open: { x: 1 } }), []);
    assert.deepEqual(check({ pet: { id: 'a', other: 1 }, extra: 1 }), [
      'additionalProperties /extra',
      'additionalProperties /pet/other',
    ]);
    const lenient = checker({ type: 'object', properties: { a: {} } }, { unknownProperties: 'allow' });
    assert.deepEqual(lenient({ b: 1 }), []);
  });

  test('follows recursive references within the document', () => {
    const document = {
      components: {
        schemas: {
          Node: {
            type: 'object',
            properties: { child: { $ref: '#/components/schemas/Node' }, v: { type: 'integer' } },
          },
        },
      },
    };
    const check = checker({ $ref: '#/components/schemas/Node' }, { document });
    assert.deepEqual(check({ child: { child: { v: 1 } } }), []);
    assert.deepEqual(check({ child: { child: { v: 'x', w: 1 } } }), [
      'additionalProperties /child/child/w',
      'type /child/child/v',
    ]);
  });

  test('refuses integers beyond 2^53 where the schema says integer, and only there', () => {
    const check = checker({ type: 'object', properties: { i: { type: 'integer' }, n: { type: 'number' } } });
    assert.deepEqual(check({ i: 2 ** 53 - 1, n: 2 ** 60 }), []);
    assert.deepEqual(check({ i: 2 ** 53 }), ['integer_precision /i']);
  });

  test('collects the data classes of values that are present', () => {
    const check = checker({
      type: 'object',
      properties: {
        email: { type: 'string', 'x-data-class': 'pii.email' },
        card: { type: 'string', 'x-data-class': 'pci.pan' },
      },
      'x-internal-note': 'dropped',
    });
    const classes = new Set<string>();
    assert.deepEqual(check({ email: 'a@b.c' }, classes), []);
    assert.deepEqual([...classes], ['pii.email']);
  });

  test('accepts OpenAPI formats and 3.1 type lists and boolean schemas', () => {
    const check = checker({
      type: 'object',
      properties: {
        small: { type: 'integer', format: 'int32' },
        when: { type: 'string', format: 'date-time' },
        maybe: { type: ['string', 'null'] },
        never: false,
      },
    });
    assert.deepEqual(check({ small: 1, when: '2026-01-01T00:00:00Z', maybe: null }), []);
    assert.deepEqual(check({ small: 2 ** 31, when: 'yesterday', never: 1 }), [
      'false schema /never',
      'format /small',
      'format /when',
    ]);
  });
});
