import Type from 'typebox';
import { closed, Name } from '../../config/names.ts';
import { SCOPE_PATTERN } from '../../pipeline/authorize/config.ts';

/** The issuer name the built-in token service goes by in logs, identities and the audit trail. */
export const BUILT_IN_ISSUER = 'portcullis';

/** Algorithms the built-in service signs with (each key records its own). */
export const SIGNING_ALGORITHMS = ['ES256', 'EdDSA'] as const;
export const BUILT_IN_ALGORITHMS: readonly string[] = SIGNING_ALGORITHMS;

/** Algorithms accepted for `private_key_jwt` client assertions: asymmetric only. */
export const ASSERTION_ALGORITHMS = ['ES256', 'ES384', 'EdDSA', 'RS256', 'PS256'] as const;

/** `tokens` in `portcullis.yaml`: the built-in OAuth2 token service. Absent: no token service. */
export const TokenServiceSchema = Type.Object(
  {
    /** The `iss` of its tokens and the base of its endpoint URLs: an origin, no path. */
    issuer: Type.String({
      pattern: '^https?://[^/?#\\s@]+$',
      'x-message': 'must be an origin such as https://gateway.example.com (no path, no trailing slash)',
    }),
    accessTokenTtlSeconds: Type.Integer({ minimum: 60, maximum: 3600, default: 300 }),
    signing: Type.Object(
      {
        algorithm: Type.Enum([...SIGNING_ALGORITHMS], { default: 'ES256' }),
        rotateAfterDays: Type.Integer({ minimum: 1, maximum: 365, default: 30 }),
      },
      { ...closed, default: {} },
    ),
    clientAssertions: Type.Object(
      {
        algorithms: Type.Array(Type.Enum([...ASSERTION_ALGORITHMS]), {
          minItems: 1,
          uniqueItems: true,
          default: [...ASSERTION_ALGORITHMS],
        }),
        maxLifetimeSeconds: Type.Integer({ minimum: 10, maximum: 3600, default: 300 }),
      },
      { ...closed, default: {} },
    ),
  },
  closed,
);

/** `credentials.tokens` in a contract: the built-in token service's tokens for this partner. */
export const ContractTokensSchema = Type.Object(
  {
    accept: Type.Boolean({ default: true }),
    /**
     * Token exchanges (RFC 8693) this partner's clients may perform: a token for API `from`
     * traded for one for API `to`, limited to `scopes` (default: every scope the contract
     * grants on `to`).
     */
    exchanges: Type.Array(
      Type.Object(
        {
          from: Name,
          to: Name,
          scopes: Type.Optional(
            Type.Array(Type.String({ pattern: SCOPE_PATTERN, 'x-message': 'must be an OAuth scope token' }), {
              uniqueItems: true,
            }),
          ),
        },
        closed,
      ),
      { default: [] },
    ),
  },
  { ...closed, default: {} },
);

export type TokenServiceConfig = Type.Static<typeof TokenServiceSchema>;
export type ContractTokensConfig = Type.Static<typeof ContractTokensSchema>;
