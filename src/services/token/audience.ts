import type { ApiConfig } from '../../config/gateway-schema.ts';

/**
 * The audience (RFC 8707 resource indicator) that names an API in access tokens: its
 * `audience` setting, or `urn:portcullis:api:<name>`. A token is only accepted by the API
 * it names, so a token obtained for one API can never be replayed against another.
 */
export function apiAudience(name: string, config: ApiConfig): string {
  return config.audience ?? `urn:portcullis:api:${name}`;
}
