import { type DestinationStream, type Logger, pino } from 'pino';
import { REDACTED_PATHS, scrubSecrets, serializeError } from './redact.ts';

export type { Logger };
export { REDACTED_PATHS };

/**
 * JSON logs (pino) with secrets kept out, three ways. Code does not log credentials in
 * the first place; fields named like credentials are redacted; errors are serialised by
 * allow-list; and every line is scrubbed of secret-shaped text as it is written.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'portcullis' },
      redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
      serializers: { err: serializeError, error: serializeError },
      hooks: { streamWrite: scrubSecrets },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
