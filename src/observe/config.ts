import Type from 'typebox';
import { closed } from '../config/names.ts';

export const LoggingSchema = Type.Object(
  {
    level: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info' }),
  },
  { ...closed, default: {} },
);

export type LoggingConfig = Type.Static<typeof LoggingSchema>;
