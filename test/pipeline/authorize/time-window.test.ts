import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { utcDayAndMinute, utcRanges } from '../../../src/pipeline/authorize/time-window.ts';

describe('time windows in UTC', () => {
  test('shift a local window by its offset, across midnight and the end of the week', () => {
    // Monday 01:00-03:00 at +02:00 is Sunday 23:00-24:00 and Monday 00:00-01:00 UTC.
    assert.deepEqual(utcRanges([{ days: ['mon'], from: '01:00', to: '03:00', utcOffset: '+02:00' }]), [
      { start: 1380, end: 1440, days: ['sun'] },
      { start: 0, end: 60, days: ['mon'] },
    ]);
    // Sunday 20:00-23:30 at -05:00 is Monday 01:00-04:30 UTC.
    assert.deepEqual(utcRanges([{ days: ['sun'], from: '20:00', to: '23:30', utcOffset: '-05:00' }]), [
      { start: 60, end: 270, days: ['mon'] },
    ]);
  });

  test('merge days that share the same minutes, and run an overnight window into the next day', () => {
    assert.deepEqual(utcRanges([{ days: ['fri', 'sat'], from: '22:00', to: '02:00', utcOffset: '+00:00' }]), [
      { start: 1320, end: 1440, days: ['fri', 'sat'] },
      { start: 0, end: 120, days: ['sat', 'sun'] },
    ]);
  });

  test('read the UTC day and minute of an instant', () => {
    assert.deepEqual(utcDayAndMinute(Date.UTC(2026, 0, 4, 23, 59)), { day: 'sun', minuteOfDay: 1439 });
    assert.deepEqual(utcDayAndMinute(Date.UTC(2026, 0, 5, 0, 0)), { day: 'mon', minuteOfDay: 0 });
  });
});
