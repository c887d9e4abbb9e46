import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Clock } from '../clock.ts';
import type { RuntimePlan } from '../config/plan.ts';
import { apiKeyId, hashApiKey } from '../services/keys/format.ts';
import { createKeyService } from '../services/keys/service.ts';
import { hashClientSecret } from '../services/token/client-secret.ts';
import { createClientService } from '../services/token/clients.ts';
import type { Stores } from '../store/types.ts';
import { UsageError } from './io.ts';

export const QUICKSTART_DIR = fileURLToPath(new URL('../../examples/quickstart/', import.meta.url));
export const DEMO_PARTNER = 'demo-partner';
export const DEMO_API = 'orders';

/** Where the demo upstream must listen: the `orders` API's upstream URL, on loopback only. */
export function demoUpstreamAddress(plan: RuntimePlan): URL {
  const upstream = plan.upstreams.get(DEMO_API);
  const url = upstream === undefined ? undefined : new URL(upstream.origin);
  if (
    url === undefined ||
    url.protocol !== 'http:' ||
    !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)
  ) {
    throw new UsageError(`--demo needs an API named "${DEMO_API}" whose upstream is an http:// loopback URL`);
  }
  if (url.port === '') url.port = '80';
  return url;
}

/**
 * The demo partner's API key. The store keeps only its hash; the key itself is kept in
 * the quickstart's data folder (mode 0600) so that the printed curl works across
 * restarts. A demo convenience only: real keys are shown once and never written down.
 */
export function ensureDemoKey(plan: RuntimePlan, stores: Stores, clock: Clock): string {
  const file = demoFile(plan, 'demo-api-key');
  try {
    const key = readFileSync(file, 'utf8').trim();
    const id = apiKeyId(key);
    const record = id === undefined ? undefined : stores.apiKeys.find(id);
    if (record !== undefined && record.revokedAt === undefined && record.sha256 === hashApiKey(key))
      return key;
  } catch {
    // No usable saved key: issue a new one below.
  }
  const { key } = createKeyService({
    store: stores.apiKeys,
    audit: stores.audit,
    clock,
    actor: 'quickstart',
  }).issue({
    partner: DEMO_PARTNER,
    application: 'quickstart',
    label: 'quickstart demo key',
  });
  saveDemoSecret(file, key);
  return key;
}

/** The demo client's credentials, `client_id:client_secret`, kept like the demo key. */
export function ensureDemoClient(plan: RuntimePlan, stores: Stores, clock: Clock): string {
  const file = demoFile(plan, 'demo-client');
  try {
    const saved = readFileSync(file, 'utf8').trim();
    const [id = '', secret = ''] = saved.split(':');
    const record = stores.clients.find(id);
    if (
      record !== undefined &&
      record.revokedAt === undefined &&
      record.secretSha256 === hashClientSecret(secret)
    )
      return saved;
  } catch {
    // No usable saved client: create one below.
  }
  const { record, secret } = createClientService({
    store: stores.clients,
    partners: stores.partners,
    audit: stores.audit,
    clock,
    actor: 'quickstart',
  }).create({ partner: DEMO_PARTNER, application: 'quickstart', label: 'quickstart demo client' });
  const credentials = `${record.id}:${secret}`;
  saveDemoSecret(file, credentials);
  return credentials;
}

function demoFile(plan: RuntimePlan, name: string): string {
  return join(resolve(plan.dir, dirname(plan.gateway.store.path)), name);
}

function saveDemoSecret(file: string, secret: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}

/** The token flow, as shell commands, for a client's `id:secret`. */
function tokenLines(gatewayUrl: string, client: string): string[] {
  const token = `curl -s -u '${client}' -d grant_type=client_credentials -d scope=orders:read ${gatewayUrl}/oauth2/token`;
  return [
    'Or with an OAuth2 access token (client credentials, valid 5 minutes, scope orders:read only):',
    `  ${token}`,
    `  TOKEN=$(${token} | sed -E 's/.*"access_token":"([^"]+)".*/\\1/')`,
    `  curl -s ${gatewayUrl}/orders -H "authorization: Bearer $TOKEN"`,
    `  curl -s ${gatewayUrl}/orders -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{"item":"widget","quantity":1}'   # 403 insufficient_scope`,
    '',
  ];
}

export function quickstartBanner(
  gatewayUrl: string,
  upstreamUrl: string,
  key: string,
  client: string | undefined,
): string {
  return [
    '',
    'Portcullis quickstart is running.',
    `  gateway         ${gatewayUrl}`,
    `  demo upstream   ${upstreamUrl}  (orders API; the gateway forwards to it)`,
    '',
    'Try it (the demo partner may list, read and create orders, never delete them):',
    `  curl -s ${gatewayUrl}/orders -H 'x-api-key: ${key}'`,
    `  curl -s ${gatewayUrl}/orders -H 'x-api-key: ${key}' -H 'content-type: application/json' -d '{"item":"widget","quantity":2}'`,
    `  curl -s -X DELETE ${gatewayUrl}/orders/ord-1001 -H 'x-api-key: ${key}'      # 403 operation_not_granted`,
    `  curl -s ${gatewayUrl}/orders                                             # 401 credential_missing`,
    `  curl -s ${gatewayUrl}/portcullis/v1/usage -H 'x-api-key: ${key}'          # usage and what is left`,
    '',
    'Bodies are checked against the OpenAPI schema before the upstream sees them:',
    `  curl -s ${gatewayUrl}/orders -H 'x-api-key: ${key}' -H 'content-type: application/json' -d '{"item":"","quantity":0,"colour":"red"}'   # 400 request_invalid, with the violations`,
    `  curl -s ${gatewayUrl}/orders -H 'x-api-key: ${key}' -H 'content-type: text/plain' -d 'two widgets'   # 415 media_type_unsupported`,
    `  curl -s ${gatewayUrl}/orders -H 'x-api-key: ${key}' -H 'content-type: application/json' -d "$(printf '%020000d' 0)"   # 413 body_too_large`,
    '',
    'Hammer it past its rate limit (5/s, bursts of 10) and see 429s:',
    `  for i in $(seq 40); do curl -s -o /dev/null -w '%{http_code} ' ${gatewayUrl}/orders -H 'x-api-key: ${key}'; done; echo`,
    '',
    ...(client === undefined ? [] : tokenLines(gatewayUrl, client)),
    'Stop with Ctrl-C. Edit examples/quickstart/ and the gateway reloads itself.',
    '',
  ].join('\n');
}
