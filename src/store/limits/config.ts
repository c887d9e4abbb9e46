import Type from 'typebox';
import { closed } from '../../config/names.ts';

/** `limits.redis` in portcullis.yaml: the Redis server a fleet shares its limits through. */
export const RedisLimitStoreSchema = Type.Object(
  {
    /** `redis://[user:password@]host:port[/db]` or `rediss://` for TLS. */
    url: Type.String({ pattern: '^rediss?://\\S+$', 'x-message': 'must be a redis:// or rediss:// URL' }),
    keyPrefix: Type.String({ minLength: 1, default: 'portcullis:limits:' }),
    /** A decision Redis has not answered in this time fails (and switches to the fallback). */
    timeoutMs: Type.Integer({ minimum: 5, maximum: 10_000, default: 100 }),
    /** How often each instance announces itself; also how soon a failed Redis is retried. */
    heartbeatMs: Type.Integer({ minimum: 100, maximum: 60_000, default: 1000 }),
  },
  closed,
);

export type RedisLimitStoreConfig = Type.Static<typeof RedisLimitStoreSchema>;
