import Type from 'typebox';

/** Shapes shared by the admin operations' declarations. */
const Base64Hash = Type.String({ description: 'SHA-256, base64', contentEncoding: 'base64' });

export const SignedHeadSchema = Type.Object(
  {
    v: Type.Literal(1),
    log: Type.String({ description: 'The log id' }),
    size: Type.Integer({ minimum: 0 }),
    root: Base64Hash,
    at: Type.Integer({ description: 'Signed at, epoch milliseconds' }),
    key: Type.String({ description: 'Signing key id: first 8 bytes of SHA-256 of its SPKI DER, hex' }),
    sig: Type.String({ description: 'Ed25519 signature of the head message, base64' }),
  },
  { description: 'A signed tree head (see docs/audit.md for the signed message)' },
);

export const SeqParam = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
export const SizeParam = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
export const HashPath = Type.Array(Base64Hash);
