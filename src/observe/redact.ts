/**
 * Field names whose values are credentials wherever they sit in a log object: request
 * and response headers, tokens, passwords, keys. Matched at the top level and up to two
 * levels down (`headers.authorization`, `req.headers.cookie`).
 */
export const SECRET_FIELDS: readonly string[] = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'apiKey',
  'api_key',
  'key',
  'secret',
  'clientSecret',
  'client_secret',
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'idToken',
  'id_token',
  'password',
  'passphrase',
  'privateKey',
  'private_key',
];

function pathsFor(field: string): string[] {
  const step = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(field) ? `.${field}` : `["${field}"]`;
  const top = step.startsWith('.') ? field : step;
  return [top, `*${step}`, `*.*${step}`];
}

/** pino redaction paths for `SECRET_FIELDS`. */
export const REDACTED_PATHS: readonly string[] = SECRET_FIELDS.flatMap(pathsFor);

/**
 * Secret-shaped text, replaced in every log line as it is written, whatever field or
 * message it hides in: a key pasted into an error message, a token in a URL. Each keeps
 * what identifies the secret (the API key id, the scheme) and drops the secret itself.
 */
export const SECRET_PATTERNS: readonly { readonly pattern: RegExp; readonly replacement: string }[] = [
  // Portcullis API keys: the id is public, the part after it is the secret.
  { pattern: /\b(ptc_[a-z2-7]{12}_)[A-Za-z0-9_-]{43}/g, replacement: '$1[redacted]' },
  // Credentials after an HTTP authentication scheme (RFC 9110 §11).
  {
    pattern: /\b(Bearer|Basic|ApiKey|Digest|DPoP)(\s+)[A-Za-z0-9._~+/-]{8,}=*/gi,
    replacement: '$1$2[redacted]',
  },
  // JSON Web Tokens (header and payload both start as base64url of `{"`).
  { pattern: /\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, replacement: '[redacted jwt]' },
  // Passwords in URLs (`scheme://user:password@host`).
  { pattern: /(\/\/[^/\s:@"]+:)[^@\s"/]+@/g, replacement: '$1[redacted]@' },
];

/** `text` with every secret-shaped part replaced. */
export function scrubSecrets(text: string): string {
  let out = text;
  for (const { pattern, replacement } of SECRET_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/** What a logged error may show: its kind, message, code and stack, and its causes. */
export interface SerializedError {
  readonly type: string;
  readonly message: string;
  readonly code?: string | number;
  readonly stack?: string;
  readonly cause?: SerializedError;
  readonly errors?: readonly SerializedError[];
}

const MAX_CAUSE_DEPTH = 4;
const MAX_AGGREGATED = 10;

/**
 * Serialises an error for the log by allow-list: type, message, code, stack, cause and
 * aggregated errors (their text is scrubbed with the rest of the line). Everything else an
 * error object may carry (an HTTP client's request headers, a response body, a token
 * library's payload) is left out.
 */
export function serializeError(error: unknown, depth = 0): SerializedError {
  if (!(error instanceof Error)) {
    return { type: typeof error, message: String(error) };
  }
  const code = (error as { code?: unknown }).code;
  const out: {
    -readonly [K in keyof SerializedError]: SerializedError[K];
  } = { type: error.name, message: error.message };
  if (typeof code === 'string' || typeof code === 'number') out.code = code;
  if (error.stack !== undefined) out.stack = error.stack;
  if (depth < MAX_CAUSE_DEPTH) {
    if (error.cause !== undefined) out.cause = serializeError(error.cause, depth + 1);
    if (error instanceof AggregateError) {
      out.errors = (error.errors as unknown[])
        .slice(0, MAX_AGGREGATED)
        .map((e) => serializeError(e, depth + 1));
    }
  }
  return out;
}
