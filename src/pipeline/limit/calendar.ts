import { DateTime, IANAZone } from 'luxon';

export type CalendarUnit = 'hour' | 'day' | 'month';

/** Nominal length of each unit in seconds, for the `w` of `RateLimit-Policy` (informative only). */
export const NOMINAL_SECONDS: Readonly<Record<CalendarUnit, number>> = {
  hour: 3600,
  day: 86_400,
  month: 2_592_000,
};

export function isTimeZone(name: string): boolean {
  return IANAZone.isValidZone(name);
}

/** A calendar period: `[start, end)` in epoch milliseconds. */
export interface Period {
  readonly start: number;
  readonly end: number;
}

/**
 * Calendar hours, days or months in one IANA time zone. Local days are 23 or 25 hours long
 * across a DST change, and a day whose midnight does not exist starts at its first instant
 * (luxon resolves both). The current period is cached, so the request path only compares
 * two numbers until the period ends.
 */
export class Calendar {
  readonly unit: CalendarUnit;
  readonly timeZone: string;
  #current: Period = { start: 0, end: 0 };
  #boundaries: readonly [number, number, number, number] | undefined;

  constructor(unit: CalendarUnit, timeZone: string) {
    this.unit = unit;
    this.timeZone = timeZone;
  }

  /** The period that contains `now`. */
  periodAt(now: number): Period {
    const current = this.#current;
    if (now >= current.start && now < current.end) return current;
    const start = DateTime.fromMillis(now, { zone: this.timeZone }).startOf(this.unit);
    const period = { start: start.toMillis(), end: this.#next(start).toMillis() };
    this.#current = period;
    this.#boundaries = undefined;
    return period;
  }

  /**
   * Four consecutive period boundaries around `now`: the previous period's start, the
   * current one's, the next one's, and the next one's end. A store whose clock differs from
   * this process's picks the period its own time falls in.
   */
  boundariesAround(now: number): readonly [number, number, number, number] {
    const { start, end } = this.periodAt(now);
    if (this.#boundaries !== undefined) return this.#boundaries;
    const zoned = DateTime.fromMillis(start, { zone: this.timeZone });
    const previous = zoned.minus({ [`${this.unit}s`]: 1 }).startOf(this.unit);
    const next = this.#next(DateTime.fromMillis(end, { zone: this.timeZone }));
    this.#boundaries = [previous.toMillis(), start, end, next.toMillis()];
    return this.#boundaries;
  }

  #next(start: DateTime): DateTime {
    return start.plus({ [`${this.unit}s`]: 1 }).startOf(this.unit);
  }
}
