/** Days as contracts and the Cedar context name them; index 0 is Monday. */
export const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Day = (typeof DAYS)[number];

const MINUTES_PER_DAY = 1440;
const MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;

/** A weekly window in a contract: local days and times at a fixed UTC offset or in a zone. */
export interface TimeWindow {
  readonly days: readonly Day[];
  /** `HH:MM`, inclusive. */
  readonly from: string;
  /** `HH:MM` or `24:00`, exclusive; at or before `from` the window runs past midnight. */
  readonly to: string;
  /** `+HH:MM` or `-HH:MM`; `+00:00` when absent. Never given with `timeZone`. */
  readonly utcOffset?: string | undefined;
  /** An IANA zone; the window is then matched against the local time there. */
  readonly timeZone?: string | undefined;
}

/** Minutes `[start, end)` of the UTC day, on each of `days` (UTC). */
export interface UtcDayRange {
  readonly days: readonly Day[];
  readonly start: number;
  readonly end: number;
}

/** `HH:MM` → minutes after midnight. The schema has checked the shape. */
export function minutesOf(clock: string): number {
  return Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));
}

function offsetMinutes(offset: string): number {
  const magnitude = minutesOf(offset.slice(1));
  return offset.startsWith('-') ? -magnitude : magnitude;
}

/**
 * Turns local windows at fixed offsets into UTC day ranges that say the same thing, so
 * that the request context only needs the UTC day and minute (a zone's windows are given
 * here without an offset: their ranges are then in the zone's local time). Ranges with the
 * same minutes are merged across days.
 */
export function utcRanges(windows: readonly TimeWindow[]): UtcDayRange[] {
  const byMinutes = new Map<string, { start: number; end: number; days: Set<number> }>();
  for (const window of windows) {
    const from = minutesOf(window.from);
    const to = minutesOf(window.to);
    const length = to > from ? to - from : to + MINUTES_PER_DAY - from;
    const shift = offsetMinutes(window.utcOffset ?? '+00:00');
    for (const day of window.days) {
      let start =
        (((DAYS.indexOf(day) * MINUTES_PER_DAY + from - shift) % MINUTES_PER_WEEK) + MINUTES_PER_WEEK) %
        MINUTES_PER_WEEK;
      const end = start + length;
      while (start < end) {
        const dayStart = Math.floor(start / MINUTES_PER_DAY) * MINUTES_PER_DAY;
        const pieceEnd = Math.min(end, dayStart + MINUTES_PER_DAY);
        const key = `${start - dayStart}-${pieceEnd - dayStart}`;
        const range = byMinutes.get(key) ?? {
          start: start - dayStart,
          end: pieceEnd - dayStart,
          days: new Set(),
        };
        range.days.add((dayStart / MINUTES_PER_DAY) % 7);
        byMinutes.set(key, range);
        start = pieceEnd;
      }
    }
  }
  return [...byMinutes.values()].map((r) => ({
    start: r.start,
    end: r.end,
    days: [...r.days].sort((a, b) => a - b).map((d) => DAYS[d]!),
  }));
}

/** The UTC day and minute of an instant, as the request context carries them. */
export function utcDayAndMinute(epochMillis: number): { day: Day; minuteOfDay: number } {
  const date = new Date(epochMillis);
  return {
    day: DAYS[(date.getUTCDay() + 6) % 7]!,
    minuteOfDay: date.getUTCHours() * 60 + date.getUTCMinutes(),
  };
}

const WEEKDAYS: Readonly<Record<string, Day>> = {
  Mon: 'mon',
  Tue: 'tue',
  Wed: 'wed',
  Thu: 'thu',
  Fri: 'fri',
  Sat: 'sat',
  Sun: 'sun',
};

interface ZoneClock {
  readonly format: Intl.DateTimeFormat;
  /** The epoch minute last asked for, and its answer: requests of one minute share it. */
  minute: number;
  local: { day: Day; minuteOfDay: number };
}

const zoneClocks = new Map<string, ZoneClock>();

/**
 * The local day and minute in an IANA zone at the start of an epoch minute, as the request
 * context carries them (`context.time.zones`). Worked out once per zone and minute.
 */
export function localDayAndMinute(zone: string, epochMinute: number): { day: Day; minuteOfDay: number } {
  let clock = zoneClocks.get(zone);
  if (clock === undefined) {
    const format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    clock = { format, minute: Number.NaN, local: { day: 'mon', minuteOfDay: 0 } };
    zoneClocks.set(zone, clock);
  }
  if (clock.minute !== epochMinute) {
    let day: Day = 'mon';
    let hour = 0;
    let minute = 0;
    for (const part of clock.format.formatToParts(epochMinute * 60_000)) {
      if (part.type === 'weekday') day = WEEKDAYS[part.value]!;
      else if (part.type === 'hour') hour = Number(part.value);
      else if (part.type === 'minute') minute = Number(part.value);
    }
    clock.minute = epochMinute;
    clock.local = { day, minuteOfDay: hour * 60 + minute };
  }
  return clock.local;
}
