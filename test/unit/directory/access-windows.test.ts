/**
 * Access group windows in a named zone's wall-clock time, across both DST changes of
 * Europe/Berlin in 2026 (29 March 02:00 → 03:00, 25 October 03:00 → 02:00), merged when
 * they touch, cut at maxHoursPerDay real hours, and refused with a clear error when bad.
 */
import { describe, expect, it } from 'vitest';
import {
  checkSchedule,
  nextWindowChange,
  openWindowAt,
  parseWindowSpec,
} from '../../../controller/directory/access-windows';
import type { AccessSchedule } from '../../../controller/store/directory-records';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | null | undefined) => (ms == null ? ms : new Date(ms).toISOString());
const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri'] as const;
const office: AccessSchedule = {
  timeZone: 'Europe/Berlin',
  windows: [{ days: [...weekdays], start: '08:00', end: '18:00' }],
};
const open = (s: AccessSchedule, when: string) => {
  const w = openWindowAt(s, at(when));
  return w && { start: iso(w.start), end: iso(w.end) };
};
const invalid = (s: AccessSchedule) => {
  try {
    checkSchedule(s);
  } catch (err) {
    return err as { code: string; message: string; details: { field: string } };
  }
  throw new Error('accepted');
};

describe('access windows', () => {
  it('opens in the zone’s wall-clock time, winter and summer', () => {
    // Monday 30 November (CET, UTC+1) and Monday 6 July (CEST, UTC+2).
    expect(open(office, '2026-11-30T09:00:00Z')).toEqual({
      start: '2026-11-30T07:00:00.000Z',
      end: '2026-11-30T17:00:00.000Z',
    });
    expect(open(office, '2026-07-06T06:00:00Z')).toEqual({
      start: '2026-07-06T06:00:00.000Z',
      end: '2026-07-06T16:00:00.000Z',
    });
    expect(open(office, '2026-07-06T05:59:59Z')).toBeNull();
    expect(open(office, '2026-11-30T17:00:00Z')).toBeNull(); // the end is not inside
  });

  it('is closed between windows and at the weekend, and says when it next changes', () => {
    expect(open(office, '2026-12-05T12:00:00Z')).toBeNull(); // Saturday
    expect(iso(nextWindowChange(office, at('2026-12-05T12:00:00Z')))).toBe(
      '2026-12-07T07:00:00.000Z',
    );
    expect(iso(nextWindowChange(office, at('2026-11-30T09:00:00Z')))).toBe(
      '2026-11-30T17:00:00.000Z',
    );
  });

  it('reads a wall time the clocks skip as just after the jump (spring forward)', () => {
    const night: AccessSchedule = {
      timeZone: 'Europe/Berlin',
      windows: [{ days: ['sun'], start: '02:30', end: '04:00' }],
    };
    // 02:30 does not exist on 29 March: the window opens at 03:30 CEST (01:30Z).
    expect(open(night, '2026-03-29T01:45:00Z')).toEqual({
      start: '2026-03-29T01:30:00.000Z',
      end: '2026-03-29T02:00:00.000Z',
    });
    expect(open(night, '2026-03-29T01:15:00Z')).toBeNull();
  });

  it('reads a wall time that happens twice as its first occurrence (fall back)', () => {
    const night: AccessSchedule = {
      timeZone: 'Europe/Berlin',
      windows: [{ days: ['sun'], start: '02:30', end: '05:00' }],
    };
    // 02:30 happens at 00:30Z (CEST) and 01:30Z (CET) on 25 October: the first one.
    expect(open(night, '2026-10-25T00:40:00Z')?.start).toBe('2026-10-25T00:30:00.000Z');
  });

  it('holds a night window across the fall-back change to maxHoursPerDay real hours', () => {
    const nights: AccessSchedule = {
      timeZone: 'Europe/Berlin',
      windows: [{ days: ['sat'], start: '22:00', end: '06:00' }],
    };
    // 22:00 CEST Saturday to 06:00 CET Sunday is 9 real hours: uncapped, then cut at 8.
    expect(open(nights, '2026-10-24T21:00:00Z')).toEqual({
      start: '2026-10-24T20:00:00.000Z',
      end: '2026-10-25T05:00:00.000Z',
    });
    expect(open({ ...nights, maxHoursPerDay: 8 }, '2026-10-24T21:00:00Z')).toEqual({
      start: '2026-10-24T20:00:00.000Z',
      end: '2026-10-25T04:00:00.000Z',
    });
    expect(open({ ...nights, maxHoursPerDay: 8 }, '2026-10-25T04:30:00Z')).toBeNull();
  });

  it('merges windows that touch into one stretch (no gap at midnight)', () => {
    const late: AccessSchedule = {
      timeZone: 'UTC',
      windows: [
        { days: ['mon'], start: '20:00', end: '24:00' },
        { days: ['tue'], start: '00:00', end: '04:00' },
      ],
    };
    expect(open(late, '2026-11-30T23:00:00Z')).toEqual({
      start: '2026-11-30T20:00:00.000Z',
      end: '2026-12-01T04:00:00.000Z',
    });
  });

  it('refuses bad schedules naming the field and what was wrong', () => {
    for (const zone of ['Mars/Olympus', '+01:00', ''])
      expect(invalid({ ...office, timeZone: zone })).toMatchObject({
        code: 'INVALID_INPUT',
        details: { field: 'schedule.timeZone' },
      });
    expect(
      invalid({ ...office, windows: [{ days: ['mon'], start: '25:00', end: '26:00' }] }),
    ).toMatchObject({ details: { field: 'schedule.windows[0].start' } });
    expect(
      invalid({ ...office, windows: [{ days: ['mon'], start: '08:00', end: '08:00' }] }).message,
    ).toMatch(/empty or a whole day/);
    expect(invalid({ ...office, windows: [] }).details.field).toBe('schedule.windows');
    const tooLong = invalid({ ...office, maxHoursPerDay: 8 });
    expect(tooLong.details.field).toBe('schedule.maxHoursPerDay');
    expect(tooLong.message).toMatch(/starting on mon hold 10 hours, more than maxHoursPerDay 8/);
    expect(invalid({ ...office, maxHoursPerDay: 25 }).details.field).toBe(
      'schedule.maxHoursPerDay',
    );
    expect(
      checkSchedule({
        ...office,
        windows: [{ days: [...weekdays], start: '09:00', end: '17:00' }],
        maxHoursPerDay: 8,
      }).maxHoursPerDay,
    ).toBe(8);
  });

  it('reads the CLI’s window words', () => {
    expect(parseWindowSpec('mon-fri 08:00-18:00')).toEqual({
      days: ['mon', 'tue', 'wed', 'thu', 'fri'],
      start: '08:00',
      end: '18:00',
    });
    expect(parseWindowSpec('sat-mon 10:00-12:00').days).toEqual(['sat', 'sun', 'mon']);
    expect(parseWindowSpec('08:00-18:00').days).toHaveLength(7);
    expect(() => parseWindowSpec('funday 08:00-10:00')).toThrow(/"funday" is not a day/);
    expect(() => parseWindowSpec('mon 8-10')).toThrow(/expected \[DAYS\] HH:MM-HH:MM/);
  });
});
