import { UsageError } from './io.ts';

const UNITS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `90d`, `12h`, `30m` or `45s` into milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d{1,6})([smhd])$/.exec(text);
  if (m === null) throw new UsageError(`"${text}" is not a duration like 90d, 12h, 30m or 45s`);
  return Number(m[1]) * UNITS[m[2]!]!;
}
