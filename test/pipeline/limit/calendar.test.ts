import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Calendar, isTimeZone } from '../../../src/pipeline/limit/calendar.ts';

const iso = (ms: number) => new Date(ms).toISOString();
const hours = (p: { start: number; end: number }) => (p.end - p.start) / 3_600_000;

describe('calendar periods', () => {
  test('a day in a time zone starts at local midnight, not UTC midnight', () => {
    const paris = new Calendar('day', 'Europe/Paris');
    // 23:30 UTC on 14 January is already 15 January in Paris (UTC+1).
    const period = paris.periodAt(Date.UTC(2026, 0, 14, 23, 30));
    assert.equal(iso(period.start), '2026-01-14T23:00:00.000Z');
    assert.equal(iso(period.end), '2026-01-15T23:00:00.000Z');
    const utc = new Calendar('day', 'UTC').periodAt(Date.UTC(2026, 0, 14, 23, 30));
    assert.equal(iso(utc.start), '2026-01-14T00:00:00.000Z');
  });

  test('the instant of local midnight belongs to the new day', () => {
    const tokyo = new Calendar('day', 'Asia/Tokyo');
    const midnight = Date.UTC(2026, 4, 31, 15);
    assert.equal(tokyo.periodAt(midnight - 1).end, midnight);
    assert.equal(tokyo.periodAt(midnight).start, midnight);
  });

  test('the day DST starts is 23 hours long and the day it ends 25', () => {
    const paris = new Calendar('day', 'Europe/Paris');
    assert.equal(hours(paris.periodAt(Date.UTC(2026, 2, 29, 12))), 23);
    assert.equal(hours(paris.periodAt(Date.UTC(2026, 9, 25, 12))), 25);
    const newYork = new Calendar('day', 'America/New_York');
    const spring = newYork.periodAt(Date.UTC(2026, 2, 8, 12));
    assert.equal(iso(spring.start), '2026-03-08T05:00:00.000Z');
    assert.equal(iso(spring.end), '2026-03-09T04:00:00.000Z');
  });

  test('a day whose midnight does not exist starts at its first instant', () => {
    // Santiago moved its clocks from 00:00 to 01:00 on 11 September 2022.
    const santiago = new Calendar('day', 'America/Santiago');
    const period = santiago.periodAt(Date.UTC(2022, 8, 11, 15));
    assert.equal(iso(period.start), '2022-09-11T04:00:00.000Z');
    assert.equal(hours(period), 23);
  });

  test('the repeated hour when DST ends is two separate hourly periods', () => {
    const paris = new Calendar('hour', 'Europe/Paris');
    const first = paris.periodAt(Date.UTC(2026, 9, 25, 0, 30)); // 02:30 CEST
    const second = paris.periodAt(Date.UTC(2026, 9, 25, 1, 30)); // 02:30 CET
    assert.notEqual(first.start, second.start);
    assert.equal(first.end, second.start);
    assert.equal(hours(first), 1);
    assert.equal(hours(second), 1);
  });

  test('hours in a zone with a half-hour offset start at half past UTC', () => {
    const kolkata = new Calendar('hour', 'Asia/Kolkata');
    assert.equal(iso(kolkata.periodAt(Date.UTC(2026, 5, 1, 10, 10)).start), '2026-06-01T09:30:00.000Z');
  });

  test('months follow the calendar, including February and a DST change inside', () => {
    const paris = new Calendar('month', 'Europe/Paris');
    const february = paris.periodAt(Date.UTC(2028, 1, 15));
    assert.equal(iso(february.start), '2028-01-31T23:00:00.000Z');
    assert.equal(hours(february), 29 * 24);
    const march = paris.periodAt(Date.UTC(2026, 2, 15));
    assert.equal(hours(march), 31 * 24 - 1);
  });

  test('gives the previous, current and next boundaries around an instant', () => {
    const utc = new Calendar('day', 'UTC');
    const [previous, start, end, next] = utc.boundariesAround(Date.UTC(2026, 0, 1, 12));
    assert.deepEqual([previous, start, end, next].map(iso), [
      '2025-12-31T00:00:00.000Z',
      '2026-01-01T00:00:00.000Z',
      '2026-01-02T00:00:00.000Z',
      '2026-01-03T00:00:00.000Z',
    ]);
  });

  test('knows IANA zone names', () => {
    assert.equal(isTimeZone('Europe/Paris'), true);
    assert.equal(isTimeZone('Mars/Olympus'), false);
  });
});
