import Type from 'typebox';
import type { ConfigIssue } from '../../config/issues.ts';
import type { LoadedConfig } from '../../config/load.ts';
import { closed, NAME_PATTERN, name } from '../../config/names.ts';
import { WindowSchema, windowSeconds } from '../../config/window.ts';
import { API_KEY_ID_PATTERN } from '../../services/keys/format.ts';
import { ContractTokensSchema } from '../../services/token/config.ts';
import {
  type BearerPlan,
  BearerSchema,
  ContractIssuerSchema,
  compileBearer,
  IssuerSchema,
} from './bearer-config.ts';
import type { FailureThrottleSettings } from './failure-throttle.ts';

/** An API key declared in the contract (configuration as code): only its hash. */
export const DeclaredApiKeySchema = Type.Object(
  {
    id: Type.String({
      pattern: API_KEY_ID_PATTERN,
      'x-message': 'must be an API key id (12 base32 characters)',
    }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$', 'x-message': 'must be 64 lower-case hex digits' }),
    application: name({ default: 'default' }),
  },
  closed,
);

/** Which credentials a partner may present. */
export const ContractCredentialsSchema = Type.Object(
  {
    apiKeys: Type.Object(
      {
        accept: Type.Boolean({ default: true }),
        declared: Type.Array(DeclaredApiKeySchema, { default: [] }),
      },
      { ...closed, default: {} },
    ),
    /** Access tokens of the built-in token service. */
    tokens: ContractTokensSchema,
    /** External identity providers whose tokens identify this partner. */
    issuers: Type.Array(ContractIssuerSchema, { default: [] }),
  },
  { ...closed, default: {} },
);

export const AuthenticationSchema = Type.Object(
  {
    /** The header that carries an API key. `Authorization: ApiKey <key>` is also accepted. */
    apiKeyHeader: Type.String({ pattern: '^[a-z0-9-]+$', default: 'x-api-key' }),
    /** Bearer access tokens (`Authorization: Bearer …`). */
    bearer: BearerSchema,
    /** External issuers (identity providers) by name. */
    issuers: Type.Record(Type.String(), IssuerSchema, {
      propertyNames: { pattern: NAME_PATTERN },
      default: {},
    }),
    /**
     * Failed authentications (invalid credentials, at the API or the token endpoint) one
     * client address may make per window before it is refused with 429 until the window
     * ends. `limit: 0` turns it off.
     */
    failureThrottle: Type.Object(
      {
        limit: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 50 }),
        window: WindowSchema('1m'),
      },
      { ...closed, default: {} },
    ),
  },
  { ...closed, default: {} },
);

export type ContractCredentials = Type.Static<typeof ContractCredentialsSchema>;
export type AuthenticationConfig = Type.Static<typeof AuthenticationSchema>;

/** A declared key, ready for comparison. */
export interface DeclaredKey {
  readonly partner: string;
  readonly application: string;
  readonly sha256: Buffer;
}

/** What the authenticate stage needs from the configuration, compiled once per plan. */
export interface AuthenticationPlan {
  readonly apiKeyHeader: string;
  readonly declaredKeys: ReadonlyMap<string, DeclaredKey>;
  /** Partners whose contract accepts API keys. */
  readonly apiKeyPartners: ReadonlySet<string>;
  /** Bearer tokens; undefined when no issuer (built-in or external) is configured. */
  readonly bearer: BearerPlan | undefined;
  readonly failureThrottle: FailureThrottleSettings;
}

export function compileAuthentication(loaded: LoadedConfig, issues: ConfigIssue[]): AuthenticationPlan {
  const declaredKeys = new Map<string, DeclaredKey>();
  const apiKeyPartners = new Set<string>();
  for (const contract of loaded.contracts.values()) {
    const apiKeys = contract.config.credentials.apiKeys;
    if (apiKeys.accept) apiKeyPartners.add(contract.partner);
    apiKeys.declared.forEach((key, index) => {
      if (declaredKeys.has(key.id)) {
        issues.push(
          contract.source.issue(
            ['credentials', 'apiKeys', 'declared', index, 'id'],
            `API key id ${key.id} is declared twice`,
          ),
        );
        return;
      }
      declaredKeys.set(key.id, {
        partner: contract.partner,
        application: key.application,
        sha256: Buffer.from(key.sha256, 'hex'),
      });
    });
  }
  return {
    apiKeyHeader: loaded.gateway.authentication.apiKeyHeader,
    declaredKeys,
    apiKeyPartners,
    bearer: compileBearer(loaded, issues),
    failureThrottle: {
      limit: loaded.gateway.authentication.failureThrottle.limit,
      windowMs: windowSeconds(loaded.gateway.authentication.failureThrottle.window) * 1000,
    },
  };
}
