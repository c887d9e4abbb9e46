import { ORDER_2KB } from './bench/order-2kb.ts';
import { parseStrictJson } from './src/pipeline/inspect/strict-json.ts';

const buf = Buffer.from(ORDER_2KB);
const L = {
  maxDepth: 32,
  maxKeys: 1000,
  maxItems: 10000,
  maxStringLength: 65536,
  prototypeKeys: 'reject' as const,
};
function bench(name: string, f: () => unknown, n = 50000) {
  for (let i = 0; i < 5000; i++) f();
  const t = performance.now();
  for (let i = 0; i < n; i++) f();
  return ((performance.now() - t) * 1000) / n;
}
const a: number[] = [],
  b: number[] = [];
for (let r = 0; r < 5; r++) {
  a.push(bench('parse', () => JSON.parse(buf.toString())));
  b.push(bench('strict', () => parseStrictJson(buf, L)));
}
const med = (x: number[]) => x.sort((p, q) => p - q)[2]!.toFixed(2);
console.log('JSON.parse', med(a), 'µs; strict', med(b), 'µs');
