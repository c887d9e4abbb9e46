import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

/**
 * Paths redacted wherever they appear in a log object. Code does not log credentials in
 * the first place; this is the second line of defence.
 */
export const REDACTED_PATHS = [
  'authorization',
  'cookie',
  'key',
  'apiKey',
  'secret',
  'token',
  'password',
  '*.authorization',
  '*.cookie',
  '*.key',
  '*.apiKey',
  '*.secret',
  '*.token',
  '*.password',
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
];

/** JSON logs (pino) with secrets redacted. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'portcullis' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
