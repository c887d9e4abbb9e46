import Type from 'typebox';
import { closed } from '../config/names.ts';

export const ListenerSchema = Type.Object(
  {
    host: Type.String({ default: '127.0.0.1', minLength: 1 }),
    port: Type.Integer({ minimum: 0, maximum: 65535 }),
  },
  closed,
);

/** Limits on what a client may send before any stage runs. */
export const HttpLimitsSchema = Type.Object(
  {
    maxPathBytes: Type.Integer({ minimum: 16, maximum: 65536, default: 2048 }),
    maxQueryBytes: Type.Integer({ minimum: 0, maximum: 65536, default: 4096 }),
    maxHeaderCount: Type.Integer({ minimum: 8, maximum: 1000, default: 100 }),
    maxHeaderBytes: Type.Integer({ minimum: 1024, maximum: 1048576, default: 16384 }),
    headersTimeoutMs: Type.Integer({ minimum: 100, maximum: 600000, default: 10000 }),
    requestTimeoutMs: Type.Integer({ minimum: 100, maximum: 3600000, default: 60000 }),
    keepAliveTimeoutMs: Type.Integer({ minimum: 100, maximum: 600000, default: 5000 }),
  },
  { ...closed, default: {} },
);

export type ListenerConfig = Type.Static<typeof ListenerSchema>;
export type HttpLimits = Type.Static<typeof HttpLimitsSchema>;
