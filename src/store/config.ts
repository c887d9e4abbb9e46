import Type from 'typebox';
import { closed } from '../config/names.ts';

export const StoreSchema = Type.Object(
  {
    kind: Type.Enum(['sqlite', 'memory'], { default: 'sqlite' }),
    /** SQLite file, relative to the configuration directory. */
    path: Type.String({ default: 'data/portcullis.db', minLength: 1 }),
  },
  { ...closed, default: {} },
);

export type StoreConfig = Type.Static<typeof StoreSchema>;
