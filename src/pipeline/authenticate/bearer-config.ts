import Type from 'typebox';
import type { ConfigIssue } from '../../config/issues.ts';
import type { LoadedConfig } from '../../config/load.ts';
import { closed, NAME_PATTERN, Name, name } from '../../config/names.ts';
import { apiAudience } from '../../services/token/audience.ts';
import { BUILT_IN_ALGORITHMS, BUILT_IN_ISSUER } from '../../services/token/config.ts';

/** Asymmetric JWS algorithms only: never `none`, never an HMAC (a shared secret is no proof of the issuer). */
export const JWS_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;

/** `authentication.bearer`: how bearer access tokens are checked, whoever issued them. */
export const BearerSchema = Type.Object(
  {
    maxTokenBytes: Type.Integer({ minimum: 256, maximum: 65536, default: 8192 }),
    clockSkewSeconds: Type.Integer({ minimum: 0, maximum: 300, default: 30 }),
    /** Verified tokens remembered (by SHA-256) until their `exp`, so a signature is checked once. */
    verifiedCacheSize: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 10_000 }),
  },
  { ...closed, default: {} },
);

/** `authentication.issuers.<name>`: an external identity provider whose access tokens are accepted. */
export const IssuerSchema = Type.Object(
  {
    /** The exact `iss` value of its tokens. */
    issuer: Type.String({ minLength: 1 }),
    /** Where its public keys are published; https, or http on a loopback address. */
    jwksUri: Type.String({ pattern: '^https?://', 'x-message': 'must be an http:// or https:// URL' }),
    algorithms: Type.Array(Type.Enum([...JWS_ALGORITHMS]), { minItems: 1, uniqueItems: true }),
    /** Accepted `aud` values per API name; an API not listed expects its own `audience`. */
    audiences: Type.Record(
      Type.String(),
      Type.Array(Type.String({ minLength: 1 }), { minItems: 1, uniqueItems: true }),
      { propertyNames: { pattern: NAME_PATTERN }, default: {} },
    ),
    /** Longest accepted lifetime (`exp` − now), which also bounds how long a token is cached. */
    maxLifetimeSeconds: Type.Integer({ minimum: 60, maximum: 86400, default: 3600 }),
    jwks: Type.Object(
      {
        cacheTtlSeconds: Type.Integer({ minimum: 10, maximum: 86400, default: 300 }),
        minRefetchIntervalSeconds: Type.Integer({ minimum: 1, maximum: 3600, default: 30 }),
        staleMaxAgeSeconds: Type.Integer({ minimum: 0, maximum: 604800, default: 3600 }),
        fetchTimeoutMs: Type.Integer({ minimum: 100, maximum: 60000, default: 3000 }),
      },
      { ...closed, default: {} },
    ),
  },
  closed,
);

/** `credentials.issuers[]` in a contract: how tokens of an external issuer identify this partner. */
export const ContractIssuerSchema = Type.Object(
  {
    issuer: Name,
    /** Client ids (the token's `client_id`, else `azp`) that belong to this partner. */
    clients: Type.Array(
      Type.Object(
        { id: Type.String({ minLength: 1, maxLength: 256 }), application: name({ default: 'default' }) },
        closed,
      ),
      { default: [] },
    ),
    /** Or a claim whose value names this partner (e.g. an organisation id). */
    claim: Type.Optional(
      Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: 128 }),
          value: Type.String({ minLength: 1, maxLength: 256 }),
          application: name({ default: 'default' }),
        },
        closed,
      ),
    ),
  },
  closed,
);

export type BearerConfig = Type.Static<typeof BearerSchema>;
export type IssuerConfig = Type.Static<typeof IssuerSchema>;

/** Who a token belongs to, once its issuer is known. */
export interface IssuerBinding {
  readonly partner: string;
  readonly application: string;
}

export interface ClaimBinding extends IssuerBinding {
  readonly claim: string;
  readonly value: string;
}

export interface JwksSettings {
  readonly uri: string;
  readonly ttlMs: number;
  readonly minRefetchMs: number;
  readonly staleMs: number;
  readonly timeoutMs: number;
}

/** One trusted issuer, compiled. */
export interface IssuerPlan {
  /** `portcullis` for the built-in token service, else the name under `authentication.issuers`. */
  readonly name: string;
  readonly iss: string;
  readonly builtIn: boolean;
  readonly algorithms: readonly string[];
  /** Required `typ` header (`at+jwt` for the built-in service's RFC 9068 tokens). */
  readonly typ: string | undefined;
  readonly maxLifetimeSeconds: number;
  /** Accepted `aud` values for each API. */
  readonly audiences: ReadonlyMap<string, ReadonlySet<string>>;
  /** Accepted `aud` on the gateway's own endpoints; undefined when its tokens are not accepted there. */
  readonly gatewayAudience: ReadonlySet<string> | undefined;
  readonly jwks: JwksSettings | undefined;
  /** External issuers: client id → partner. */
  readonly clients: ReadonlyMap<string, IssuerBinding>;
  readonly claims: readonly ClaimBinding[];
}

/** What bearer authentication needs, compiled once per plan; undefined when no issuer is configured. */
export interface BearerPlan {
  readonly maxTokenBytes: number;
  readonly clockSkewSeconds: number;
  readonly verifiedCacheSize: number;
  /** By `iss`. */
  readonly issuers: ReadonlyMap<string, IssuerPlan>;
  /** Partners whose contract accepts the built-in token service's tokens. */
  readonly tokenPartners: ReadonlySet<string>;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export function compileBearer(loaded: LoadedConfig, issues: ConfigIssue[]): BearerPlan | undefined {
  const gateway = loaded.gateway;
  const bearer = gateway.authentication.bearer;
  const issuers = new Map<string, IssuerPlan>();
  const apiAudiences = new Map<string, ReadonlySet<string>>();
  const audienceOwners = new Map<string, string>();
  for (const [api, config] of Object.entries(gateway.apis)) {
    const audience = apiAudience(api, config);
    const owner = audienceOwners.get(audience);
    if (owner !== undefined) {
      issues.push(
        loaded.gatewaySource.issue(['apis', api, 'audience'], `API \`${owner}\` has the same audience`),
      );
    }
    audienceOwners.set(audience, api);
    apiAudiences.set(api, new Set([audience]));
  }

  if (gateway.tokens !== undefined) {
    issuers.set(gateway.tokens.issuer, {
      name: BUILT_IN_ISSUER,
      iss: gateway.tokens.issuer,
      builtIn: true,
      algorithms: BUILT_IN_ALGORITHMS,
      typ: 'at+jwt',
      maxLifetimeSeconds: gateway.tokens.accessTokenTtlSeconds,
      audiences: apiAudiences,
      gatewayAudience: new Set([gateway.tokens.issuer]),
      jwks: undefined,
      clients: new Map(),
      claims: [],
    });
  }

  const byName = new Map<string, { clients: Map<string, IssuerBinding>; claims: ClaimBinding[] }>();
  for (const [issuerName, config] of Object.entries(gateway.authentication.issuers)) {
    const at = (...rest: (string | number)[]) => ['authentication', 'issuers', issuerName, ...rest];
    if (issuerName === BUILT_IN_ISSUER) {
      issues.push(
        loaded.gatewaySource.issue(at(), `\`${BUILT_IN_ISSUER}\` names the built-in token service`),
      );
      continue;
    }
    if (issuers.has(config.issuer)) {
      issues.push(loaded.gatewaySource.issue(at('issuer'), 'another issuer has the same `issuer` value'));
      continue;
    }
    const jwks = jwksSettings(config, (message) =>
      issues.push(loaded.gatewaySource.issue(at('jwksUri'), message)),
    );
    const audiences = new Map(apiAudiences);
    for (const [api, values] of Object.entries(config.audiences)) {
      if (!apiAudiences.has(api)) {
        issues.push(loaded.gatewaySource.issue(at('audiences', api), `unknown API \`${api}\``));
        continue;
      }
      audiences.set(api, new Set(values));
    }
    const bindings = { clients: new Map<string, IssuerBinding>(), claims: [] as ClaimBinding[] };
    byName.set(issuerName, bindings);
    issuers.set(config.issuer, {
      name: issuerName,
      iss: config.issuer,
      builtIn: false,
      algorithms: config.algorithms,
      typ: undefined,
      maxLifetimeSeconds: config.maxLifetimeSeconds,
      audiences,
      gatewayAudience: undefined,
      jwks,
      clients: bindings.clients,
      claims: bindings.claims,
    });
  }

  const tokenPartners = new Set<string>();
  for (const contract of loaded.contracts.values()) {
    const credentials = contract.config.credentials;
    if (credentials.tokens.accept) tokenPartners.add(contract.partner);
    credentials.issuers.forEach((binding, i) => {
      const report = (path: (string | number)[], message: string) =>
        issues.push(contract.source.issue(['credentials', 'issuers', i, ...path], message));
      const target = byName.get(binding.issuer);
      if (target === undefined) {
        const known = [...byName.keys()].join(', ') || 'none';
        report(['issuer'], `unknown issuer \`${binding.issuer}\` (configured: ${known})`);
        return;
      }
      if (binding.clients.length === 0 && binding.claim === undefined) {
        report([], 'name the `clients` or the `claim` that identify this partner');
      }
      binding.clients.forEach((client, j) => {
        const owner = target.clients.get(client.id);
        if (owner !== undefined) {
          report(['clients', j, 'id'], `client id is already bound to partner \`${owner.partner}\``);
          return;
        }
        target.clients.set(client.id, { partner: contract.partner, application: client.application });
      });
      const claim = binding.claim;
      if (claim === undefined) return;
      const owner = target.claims.find((c) => c.claim === claim.name && c.value === claim.value);
      if (owner !== undefined) {
        report(['claim'], `this claim value already identifies partner \`${owner.partner}\``);
        return;
      }
      target.claims.push({ ...claim, claim: claim.name, partner: contract.partner });
    });
  }

  if (issuers.size === 0) return undefined;
  return {
    maxTokenBytes: bearer.maxTokenBytes,
    clockSkewSeconds: bearer.clockSkewSeconds,
    verifiedCacheSize: bearer.verifiedCacheSize,
    issuers,
    tokenPartners,
  };
}

function jwksSettings(config: IssuerConfig, report: (message: string) => void): JwksSettings | undefined {
  let url: URL;
  try {
    url = new URL(config.jwksUri);
  } catch {
    report('must be a valid URL');
    return undefined;
  }
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
    report('must use https (plain http only to a loopback address)');
  }
  if (url.username !== '' || url.password !== '' || url.hash !== '')
    report('must not carry credentials or a fragment');
  const j = config.jwks;
  return {
    uri: url.href,
    ttlMs: j.cacheTtlSeconds * 1000,
    minRefetchMs: j.minRefetchIntervalSeconds * 1000,
    staleMs: j.staleMaxAgeSeconds * 1000,
    timeoutMs: j.fetchTimeoutMs,
  };
}
