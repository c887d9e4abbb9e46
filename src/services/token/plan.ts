import type { ConfigIssue } from '../../config/issues.ts';
import type { LoadedConfig } from '../../config/load.ts';
import { apiAudience } from './audience.ts';
import type { TokenServiceConfig } from './config.ts';

/** When keys rotate and how long a replaced key stays published. */
export interface SigningPolicy {
  readonly algorithm: TokenServiceConfig['signing']['algorithm'];
  readonly rotateAfterMs: number;
  /** A replaced key stays in the JWKS this long: the token lifetime plus the clock skew. */
  readonly retireAfterMs: number;
}

/** What one partner may obtain from the token service. */
export interface PartnerTokenPlan {
  /** APIs its contract grants, with the scopes those grants name. */
  readonly apis: ReadonlyMap<string, ReadonlySet<string>>;
  /** Allowed exchanges: from API → to API → the most scopes the new token may carry. */
  readonly exchanges: ReadonlyMap<string, ReadonlyMap<string, ReadonlySet<string>>>;
}

/** The built-in token service, compiled once per plan. */
export interface TokenServicePlan {
  readonly issuer: string;
  readonly tokenEndpoint: string;
  readonly accessTokenTtlSeconds: number;
  readonly clockSkewSeconds: number;
  readonly signing: SigningPolicy;
  readonly assertionAlgorithms: readonly string[];
  readonly assertionMaxLifetimeSeconds: number;
  /** API name → its audience. */
  readonly audiences: ReadonlyMap<string, string>;
  /** Audience → API name. */
  readonly apisByAudience: ReadonlyMap<string, string>;
  /** Partners whose contract accepts the service's tokens. */
  readonly partners: ReadonlyMap<string, PartnerTokenPlan>;
}

const DAY_MS = 86_400_000;

export function compileTokenService(
  loaded: LoadedConfig,
  issues: ConfigIssue[],
): TokenServicePlan | undefined {
  const config = loaded.gateway.tokens;
  const audiences = new Map<string, string>();
  for (const [api, apiConfig] of Object.entries(loaded.gateway.apis))
    audiences.set(api, apiAudience(api, apiConfig));
  const partners = new Map<string, PartnerTokenPlan>();

  for (const contract of loaded.contracts.values()) {
    const tokens = contract.config.credentials.tokens;
    const apis = new Map<string, Set<string>>();
    for (const grant of contract.config.grants) {
      const scopes = apis.get(grant.api) ?? new Set<string>();
      for (const scope of grant.scopes) scopes.add(scope);
      apis.set(grant.api, scopes);
    }
    const exchanges = new Map<string, Map<string, ReadonlySet<string>>>();
    tokens.exchanges.forEach((rule, i) => {
      const report = (path: (string | number)[], message: string): void => {
        issues.push(contract.source.issue(['credentials', 'tokens', 'exchanges', i, ...path], message));
      };
      if (config === undefined) {
        report([], 'token exchange needs the token service (`tokens` in portcullis.yaml)');
        return;
      }
      if (!audiences.has(rule.from)) {
        report(['from'], `unknown API \`${rule.from}\``);
        return;
      }
      const granted = apis.get(rule.to);
      if (granted === undefined) {
        report(['to'], `this contract grants nothing on API \`${rule.to}\``);
        return;
      }
      const scopes = rule.scopes ?? [...granted];
      scopes.forEach((scope, j) => {
        if (!granted.has(scope)) report(['scopes', j], `no grant on \`${rule.to}\` names scope \`${scope}\``);
      });
      const byTarget = exchanges.get(rule.from) ?? new Map<string, ReadonlySet<string>>();
      if (byTarget.has(rule.to))
        report([], `the exchange from \`${rule.from}\` to \`${rule.to}\` is listed twice`);
      byTarget.set(rule.to, new Set(scopes));
      exchanges.set(rule.from, byTarget);
    });
    if (tokens.accept) partners.set(contract.partner, { apis, exchanges });
  }

  if (config === undefined) return undefined;
  const skew = loaded.gateway.authentication.bearer.clockSkewSeconds;
  return {
    issuer: config.issuer,
    tokenEndpoint: `${config.issuer}/oauth2/token`,
    accessTokenTtlSeconds: config.accessTokenTtlSeconds,
    clockSkewSeconds: skew,
    signing: {
      algorithm: config.signing.algorithm,
      rotateAfterMs: config.signing.rotateAfterDays * DAY_MS,
      retireAfterMs: (config.accessTokenTtlSeconds + skew) * 1000,
    },
    assertionAlgorithms: config.clientAssertions.algorithms,
    assertionMaxLifetimeSeconds: config.clientAssertions.maxLifetimeSeconds,
    audiences,
    apisByAudience: new Map([...audiences].map(([api, audience]) => [audience, api])),
    partners,
  };
}
