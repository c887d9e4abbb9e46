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
const dec = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
function bench(name: string, f: () => unknown, n = 50000) {
  for (let i = 0; i < 5000; i++) f();
  const t = performance.now();
  for (let i = 0; i < n; i++) f();
  console.log(name, (((performance.now() - t) * 1000) / n).toFixed(2), 'µs');
}
bench('decode', () => dec.decode(buf));
bench('toString', () => buf.toString('utf8'));
bench('strict', () => parseStrictJson(buf, L));
bench('parse(decode)', () => JSON.parse(dec.decode(buf)));
bench('parse(toString)', () => JSON.parse(buf.toString('utf8')));
const s = buf.toString();
bench('parse(same string)', () => JSON.parse(s));
const P = new Set(['__proto__', 'constructor', 'prototype']);
const keys = [
  'orderId',
  'createdAt',
  'customer',
  'name',
  'email',
  'phone',
  'shipping',
  'street',
  'city',
  'sku',
  'quantity',
  'amount',
];
bench('set.has sliced', () => {
  let n = 0;
  for (const k of keys) if (P.has(s.slice(5, 5 + k.length))) n++;
  return n;
});
