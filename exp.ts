import { startTestGateway } from './test/support/gateway.ts';
import { ORDER, shopFiles } from './test/support/shop.ts';

const t = await startTestGateway({ files: shopFiles() });
const h = { 'x-api-key': t.key, 'x-tenant': 'acme', 'content-type': 'application/json' };
for (const body of [
  JSON.stringify(ORDER),
  '{"item":"x","quantity":0,"extra":1,"address":{"zip":1}}',
  '{"a":1,"a":2}',
  'hello',
]) {
  const r = await fetch(`${t.url}/orders?dryRun=true`, { method: 'POST', headers: h, body });
  console.log(r.status, await r.text());
}
let r = await fetch(`${t.url}/orders/abc?fields=id&fields=zz&other=1`, { headers: { 'x-api-key': t.key } });
console.log(r.status, await r.text());
r = await fetch(`${t.url}/orders/7?fields=id`, { headers: { 'x-api-key': t.key } });
console.log(r.status, await r.text());
console.log(
  t.upstream.requests.length,
  t.upstream.requests.map((q) => q.headers),
);
await t.close();
