import { hash } from 'node:crypto';
import { ORDER_2KB, ORDER_SCHEMA } from './bench/order-2kb.ts';
import { toJsonSchema } from './src/pipeline/inspect/openapi-schema.ts';
import { parseStrictJson } from './src/pipeline/inspect/strict-json.ts';
import { createSchemaCompiler } from './src/pipeline/inspect/validators.ts';

const buf = Buffer.from(ORDER_2KB);
const L = {
  maxDepth: 32,
  maxKeys: 1000,
  maxItems: 10000,
  maxStringLength: 65536,
  prototypeKeys: 'reject' as const,
};
const conv = toJsonSchema(ORDER_SCHEMA, [], { document: {}, openapi30: false, unknownProperties: 'reject' });
const v = createSchemaCompiler()((conv as any).schema) as any;
function bench(name: string, f: () => unknown, n = 20000) {
  for (let i = 0; i < 2000; i++) f();
  const t = performance.now();
  for (let i = 0; i < n; i++) f();
  console.log(name, (((performance.now() - t) * 1000) / n).toFixed(2), 'µs');
}
bench('JSON.parse', () => JSON.parse(buf.toString()));
bench('strict', () => parseStrictJson(buf, L));
const val = JSON.parse(ORDER_2KB);
bench('ajv', () => v.call(new Set(), val));
bench('sha256', () => hash('sha256', buf, 'base64'));
console.log(v.call(new Set(), val), v.errors);
