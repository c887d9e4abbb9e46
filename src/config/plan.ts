import { type AuditPlan, compileAudit } from '../audit/config.ts';
import type { HeaderRules } from '../http/canonical-headers.ts';
import type { HttpLimits } from '../http/config.ts';
import { compileTrustedProxies, type TrustedProxies } from '../http/forwarded.ts';
import { checkTracing } from '../observe/tracing/config.ts';
import { type AuthenticationPlan, compileAuthentication } from '../pipeline/authenticate/config.ts';
import {
  type AuthorizationPlan,
  compileAuthorization,
  compileGrants,
  type GrantTable,
} from '../pipeline/authorize/config.ts';
import { compileUpstreams, type UpstreamPlan } from '../pipeline/forward/config.ts';
import { compileInspection, type InspectPlan } from '../pipeline/inspect/config.ts';
import { compileLimits } from '../pipeline/limit/config.ts';
import type { LimitTable } from '../pipeline/limit/policy.ts';
import { compileRoutes } from '../pipeline/route/config.ts';
import type { RouteTable } from '../pipeline/route/router.ts';
import { type AdminPrincipal, compileAdminTokens } from '../services/admin/config.ts';
import { compileTokenService, type TokenServicePlan } from '../services/token/plan.ts';
import type { ContractConfig } from './contract-schema.ts';
import type { GatewayConfig } from './gateway-schema.ts';
import { ConfigError, type ConfigIssue, sortIssues } from './issues.ts';
import { type LoadedApi, type LoadedConfig, loadConfig } from './load.ts';

/**
 * The immutable result of compiling a configuration directory: everything the data plane
 * needs, built once. A reload builds a new plan and swaps it whole.
 */
export interface RuntimePlan {
  /** Content hash of the configuration files. */
  readonly version: string;
  readonly dir: string;
  readonly gateway: GatewayConfig;
  readonly apis: ReadonlyMap<string, LoadedApi>;
  readonly contracts: ReadonlyMap<string, ContractConfig>;
  readonly http: HttpLimits;
  readonly headerRules: HeaderRules;
  readonly trustedProxies: TrustedProxies;
  readonly routes: RouteTable;
  readonly authentication: AuthenticationPlan;
  readonly grants: GrantTable;
  /** Cedar schema, policies (live and shadow) sliced by partner, decision settings. */
  readonly authorization: AuthorizationPlan;
  readonly upstreams: ReadonlyMap<string, UpstreamPlan>;
  /** Partners' rate, quota and concurrency limits. */
  readonly limits: LimitTable;
  /** The built-in token service; undefined when `tokens` is not configured. */
  readonly tokens: TokenServicePlan | undefined;
  readonly inspection: InspectPlan;
  readonly audit: AuditPlan;
  /** Tokens accepted on the admin listener. */
  readonly adminTokens: readonly AdminPrincipal[];
}

/** Loads and compiles a configuration directory; throws a ConfigError listing every issue. */
export function compilePlan(dir: string): RuntimePlan {
  const { config, issues } = loadConfig(dir);
  const plan = config === undefined ? undefined : compileLoaded(config, issues);
  if (plan === undefined || issues.length > 0) throw new ConfigError(sortIssues(issues));
  return plan;
}

/** Compiles what was loaded, adding any issue found to `issues`. */
function compileLoaded(loaded: LoadedConfig, issues: ConfigIssue[]): RuntimePlan {
  const gateway = loaded.gateway;
  const { proxies, invalid } = compileTrustedProxies(gateway.trustedProxies);
  for (const index of invalid) {
    issues.push(loaded.gatewaySource.issue(['trustedProxies', index], 'must be an IP address or CIDR block'));
  }
  const authentication = compileAuthentication(loaded, issues);
  checkTracing(loaded, issues);
  const plan: RuntimePlan = {
    version: loaded.version,
    dir: loaded.dir,
    gateway,
    apis: loaded.apis,
    contracts: new Map([...loaded.contracts].map(([partner, c]) => [partner, c.config])),
    http: gateway.http,
    headerRules: {
      maxHeaderCount: gateway.http.maxHeaderCount,
      singletons: new Set(['authorization', 'content-type', authentication.apiKeyHeader]),
    },
    trustedProxies: proxies,
    routes: compileRoutes(loaded, issues),
    authentication,
    grants: compileGrants(loaded, issues),
    authorization: compileAuthorization(loaded, issues),
    upstreams: compileUpstreams(loaded, issues),
    limits: compileLimits(loaded, issues),
    tokens: compileTokenService(loaded, issues),
    inspection: compileInspection(loaded, issues),
    audit: compileAudit(loaded),
    adminTokens: compileAdminTokens(loaded, issues),
  };
  return Object.freeze(plan);
}
