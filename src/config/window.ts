import Type from 'typebox';

const UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600 };

/** A time window in configuration: a count of seconds, minutes or hours (`1s`, `10s`, `1m`, `1h`). */
export function WindowSchema(defaultValue: string) {
  return Type.String({
    pattern: '^[1-9][0-9]{0,5}[smh]$',
    default: defaultValue,
    'x-message': 'must be a duration like 1s, 10s, 1m or 1h',
  });
}

/** The seconds in a window that `WindowSchema` accepted. */
export function windowSeconds(window: string): number {
  return Number(window.slice(0, -1)) * UNITS[window.slice(-1)]!;
}
