const BRAND = Symbol.for('portcullis.error');

/** Codes of errors raised outside a request (configuration, CLI, stores). */
export type OperationalErrorCode =
  | 'config_invalid'
  | 'partner_unknown'
  | 'key_not_found'
  | 'store_unavailable'
  | 'listen_failed'
  | 'client_not_found'
  | 'partner_state'
  | 'key_invalid'
  | 'secret_unreadable';

/**
 * Base of every error Portcullis raises on purpose. Branded so that the check survives
 * duplicated module instances; callers branch on `code`, never on `message`.
 */
export class PortcullisError extends Error {
  readonly code: OperationalErrorCode;
  readonly [BRAND] = true;

  constructor(code: OperationalErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PortcullisError';
    this.code = code;
  }

  static is(value: unknown): value is PortcullisError {
    return typeof value === 'object' && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
  }
}

/** A listener that could not bind, with the reason (e.g. EADDRINUSE) in the message. */
export function listenFailed(what: string, host: string, port: number, cause: unknown): PortcullisError {
  const reason = (cause as NodeJS.ErrnoException | undefined)?.code ?? 'unknown error';
  return new PortcullisError('listen_failed', `${what} cannot listen on ${host}:${port} (${reason})`, {
    cause,
  });
}
