import {
  type ClientService,
  type CreateClientRequest,
  createClientService,
} from '../../src/services/token/clients.ts';
import { openSigningKeyRing, type SigningKeyRing } from '../../src/services/token/signing-keys.ts';
import type { ClientRecord } from '../../src/store/token-types.ts';
import type { ConfigFiles } from './config.ts';
import { startTestGateway, type TestGateway } from './gateway.ts';

export const ISSUER = 'https://gateway.test';
export const PETS_AUDIENCE = 'urn:portcullis:api:pets';
export const ORDERS_AUDIENCE = 'urn:portcullis:api:orders';

export const ORDERS_OPENAPI = `openapi: 3.1.0
info: { title: Orders, version: '1' }
paths:
  /orders:
    get: { operationId: listOrders, responses: { '200': { description: ok } } }
`;

/** Partner `acme`: reads pets with `pets:read`, creates them with `pets:write`, lists orders with `orders:read`. */
export const ACME_CONTRACT = {
  version: 1,
  partner: 'acme',
  grants: [
    { api: 'pets', operations: ['listPets', 'getPet'], scopes: ['pets:read'] },
    { api: 'pets', operations: ['createPet'], scopes: ['pets:write'] },
    { api: 'orders', operations: ['listOrders'], scopes: ['orders:read'] },
  ],
};

export interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly headers: Headers;
  /** Whether the upstream received anything while this request was served. */
  readonly reached: boolean;
}

export interface TokenGateway extends TestGateway {
  readonly now: { value: number };
  readonly clients: ClientService;
  /** A client of `acme` with a secret. */
  readonly client: { readonly record: ClientRecord; readonly secret: string };
  createClient(
    partner: string,
    options?: Omit<CreateClientRequest, 'partner'>,
  ): {
    record: ClientRecord;
    secret: string | undefined;
  };
  ring(): SigningKeyRing;
  /** POSTs a form to a token-service endpoint, with Basic credentials unless `basic` is null. */
  post(
    path: string,
    form: Record<string, string>,
    basic?: { id: string; secret: string } | null,
  ): Promise<Answer>;
  /** A fresh access token of `acme`'s client. */
  accessToken(form?: Record<string, string>): Promise<string>;
  /** Calls the API with a bearer token (or any Authorization value). */
  call(path: string, authorization: string, method?: string): Promise<Answer>;
}

export interface TokenGatewayOptions {
  readonly tokens?: Record<string, unknown>;
  readonly authentication?: Record<string, unknown>;
  readonly files?: ConfigFiles;
  /** More of `portcullis.yaml` (listeners, admin, …). */
  readonly gateway?: Record<string, unknown>;
}

async function answer(res: Response, before: number, t: TestGateway): Promise<Answer> {
  const text = await res.text();
  return {
    status: res.status,
    body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
    headers: res.headers,
    reached: t.upstream.requests.length > before,
  };
}

/**
 * A real gateway with the built-in token service (issuer `https://gateway.test`), APIs
 * `pets` and `orders`, partner `acme` and a client of it, on an injectable clock.
 */
export async function startTokenGateway(options: TokenGatewayOptions = {}): Promise<TokenGateway> {
  const now = { value: Date.now() };
  const clock = { now: () => now.value };
  const t = await startTestGateway({
    clock,
    gateway: {
      extra: {
        tokens: { issuer: ISSUER, ...options.tokens },
        ...(options.authentication === undefined ? {} : { authentication: options.authentication }),
        ...options.gateway,
      },
      moreApis: { orders: { openapi: 'apis/orders.yaml', hosts: ['127.0.0.1', 'localhost'] } },
    },
    files: {
      'apis/orders.yaml': ORDERS_OPENAPI,
      'contracts/acme.yaml': ACME_CONTRACT,
      ...options.files,
    },
  });
  const clients = createClientService({
    store: t.stores.clients,
    partners: t.stores.partners,
    audit: t.stores.audit,
    clock,
    actor: 'test',
  });
  const created = clients.create({ partner: 'acme' });
  const basicOf = (c: { id: string; secret: string }) =>
    `Basic ${Buffer.from(`${c.id}:${c.secret}`).toString('base64')}`;
  const client = { record: created.record, secret: created.secret! };
  const self: TokenGateway = {
    ...t,
    now,
    clients,
    client,
    createClient: (partner, o) => {
      const made = clients.create({ ...o, partner });
      return { record: made.record, secret: made.secret };
    },
    ring: () => openSigningKeyRing(t.gateway.plan, { stores: t.stores, clock, actor: 'test' }),
    async post(path, form, basic) {
      const before = t.upstream.requests.length;
      const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
      const credentials = basic === undefined ? { id: client.record.id, secret: client.secret } : basic;
      if (credentials !== null) headers.authorization = basicOf(credentials);
      const res = await fetch(`${t.url}${path}`, {
        method: 'POST',
        headers,
        body: new URLSearchParams(form),
      });
      return answer(res, before, t);
    },
    async accessToken(form = {}) {
      const r = await self.post('/oauth2/token', { grant_type: 'client_credentials', ...form });
      if (r.status !== 200) throw new Error(`no token: ${JSON.stringify(r.body)}`);
      return r.body.access_token as string;
    },
    async call(path, authorization, method = 'GET') {
      const before = t.upstream.requests.length;
      const res = await fetch(`${t.url}${path}`, { method, headers: { authorization } });
      return answer(res, before, t);
    },
  };
  return self;
}
