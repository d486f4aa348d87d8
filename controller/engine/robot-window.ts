/** Daily execution windows in local time ("HH:MM"); a window may wrap past midnight. */
import { invalidInput } from '../../shared/errors';

export function parseClock(value: string, field: string): number {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(value);
  if (!m) {
    throw invalidInput(
      `${field}: expected a local time HH:MM (00:00 to 23:59), got ${JSON.stringify(value)}`,
      {
        details: { field, value, expected: 'HH:MM' },
      },
    );
  }
  return Number(m[1]) * 60 + Number(m[2]);
}

/** True when `at` falls inside [start, end) local time; no window means always. */
export function inWindow(at: number, start: string | null, end: string | null): boolean {
  if (start === null || end === null) return true;
  const d = new Date(at);
  const minute = d.getHours() * 60 + d.getMinutes();
  const s = parseClock(start, 'windowStart');
  const e = parseClock(end, 'windowEnd');
  if (s === e) return true;
  return s < e ? minute >= s && minute < e : minute >= s || minute < e;
}

/** The next moment at or after `at` that is inside the window. */
export function nextWindowOpening(at: number, start: string | null, end: string | null): number {
  if (inWindow(at, start, end) || start === null) return at;
  const d = new Date(at);
  const s = parseClock(start, 'windowStart');
  d.setHours(Math.floor(s / 60), s % 60, 0, 0);
  if (d.getTime() <= at) d.setDate(d.getDate() + 1);
  return d.getTime();
}
