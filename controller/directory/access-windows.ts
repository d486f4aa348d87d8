/**
 * When an access group's grants hold: daily windows in wall-clock time of a named IANA
 * time zone, on chosen weekdays, bounded by `maxHoursPerDay`. A window is local time, so
 * `08:00-18:00` in Europe/Berlin opens at 08:00 on the day clocks change too; a wall time
 * the clocks skip (02:30 on the spring-forward night) is read as the moment after the jump,
 * one that happens twice (the fall-back night) as its first occurrence, as Temporal's
 * "compatible" disambiguation does. Windows that touch or overlap are one stretch of
 * access, so a grant is not removed and made again at midnight. Keywarden does not count
 * how long anyone was logged in: "at most N hours a day" is the windows' bound — the hours
 * of the windows that start on one weekday may not add up to more than N, and a stretch is
 * cut N real hours after it opened (so a night window that spans a clock change still holds
 * N hours, not N+1).
 */
import { invalidInput } from '../../shared/errors';
import type { AccessSchedule, AccessWindow, Weekday } from '../store/directory-records';

export const WEEKDAYS: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const HOUR = 3_600_000;
const DAY_MIN = 24 * 60;
const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
/** A named zone (Europe/Berlin, UTC, Etc/GMT+2), not an offset: offsets know no DST. */
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+\-/]*$/;

export interface OpenWindow {
  start: number;
  end: number;
}

const bad = (field: string, message: string, value: unknown, expected: string) =>
  invalidInput(`schedule.${field}: ${message}`, {
    details: { field: `schedule.${field}`, value, expected },
  });

const minutesOf = (hhmm: string): number => {
  if (hhmm === '24:00') return DAY_MIN;
  const m = TIME.exec(hhmm);
  return m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
};

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall clock of `at` in the zone, as if it were UTC (ms). */
function wallClock(timeZone: string, at: number): number {
  const p: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(at)))
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  return Date.UTC(p.year ?? 0, (p.month ?? 1) - 1, p.day ?? 1, p.hour, p.minute, p.second);
}

const offsetAt = (timeZone: string, at: number) => {
  const whole = Math.floor(at / 1000) * 1000;
  return wallClock(timeZone, whole) - whole;
};

/** The instant a wall time (given as if UTC) happens in the zone; see the file comment. */
export function wallToInstant(timeZone: string, wall: number): number {
  const before = wall - offsetAt(timeZone, wall - 2 * DAY_MIN * 60_000);
  const after = wall - offsetAt(timeZone, wall + 2 * DAY_MIN * 60_000);
  const valid = [before, after].filter((t) => wallClock(timeZone, t) === wall);
  if (valid.length) return Math.min(...valid);
  // Skipped by the clocks: the offset before the jump puts it just after the jump.
  return before;
}

/** Every stretch of access from two days before `now` to a week after, merged and capped. */
function stretches(s: AccessSchedule, now: number): OpenWindow[] {
  const today = wallClock(s.timeZone, now);
  const day0 = Date.UTC(
    new Date(today).getUTCFullYear(),
    new Date(today).getUTCMonth(),
    new Date(today).getUTCDate(),
  );
  const raw: OpenWindow[] = [];
  for (let k = -2; k <= 8; k++) {
    const date = day0 + k * DAY_MIN * 60_000;
    const weekday = WEEKDAYS[new Date(date).getUTCDay()] as Weekday;
    for (const w of s.windows) {
      if (!w.days.includes(weekday)) continue;
      const from = minutesOf(w.start);
      const to = minutesOf(w.end) + (minutesOf(w.end) <= from ? DAY_MIN : 0);
      const start = wallToInstant(s.timeZone, date + from * 60_000);
      const end = wallToInstant(s.timeZone, date + to * 60_000);
      if (end > start) raw.push({ start, end });
    }
  }
  raw.sort((a, b) => a.start - b.start);
  const merged: OpenWindow[] = [];
  for (const w of raw) {
    const last = merged[merged.length - 1];
    if (last && w.start <= last.end) last.end = Math.max(last.end, w.end);
    else merged.push({ ...w });
  }
  const cap = s.maxHoursPerDay;
  return cap === undefined
    ? merged
    : merged.map((w) => ({ start: w.start, end: Math.min(w.end, w.start + cap * HOUR) }));
}

/** The stretch of access open at `now`, or null between windows. */
export function openWindowAt(s: AccessSchedule, now: number): OpenWindow | null {
  return stretches(s, now).find((w) => w.start <= now && now < w.end) ?? null;
}

/** The next moment after `now` a window opens or closes (within the coming week). */
export function nextWindowChange(s: AccessSchedule, now: number): number | null {
  let next: number | null = null;
  for (const w of stretches(s, now))
    for (const t of [w.start, w.end]) if (t > now && (next === null || t < next)) next = t;
  return next;
}

function checkWindow(w: AccessWindow, i: number): AccessWindow {
  const days = [...new Set(w.days.map((d) => d.toLowerCase() as Weekday))];
  if (!days.length || days.some((d) => !WEEKDAYS.includes(d)))
    throw bad(
      `windows[${i}].days`,
      `${JSON.stringify(w.days)} are not weekdays`,
      w.days,
      'mon…sun',
    );
  for (const f of ['start', 'end'] as const) {
    const ok = f === 'end' ? w.end === '24:00' || TIME.test(w.end) : TIME.test(w.start);
    if (!ok)
      throw bad(
        `windows[${i}].${f}`,
        `${JSON.stringify(w[f])} is not a time of day`,
        w[f],
        f === 'end' ? 'HH:MM (00:00-23:59, or 24:00)' : 'HH:MM (00:00-23:59)',
      );
  }
  if (minutesOf(w.start) === minutesOf(w.end) % DAY_MIN)
    throw bad(
      `windows[${i}]`,
      `${w.start}-${w.end} is empty or a whole day: give 00:00-24:00 for a whole day`,
      `${w.start}-${w.end}`,
      'an end other than the start (an end before the start ends the next day)',
    );
  return { days: WEEKDAYS.filter((d) => days.includes(d)), start: w.start, end: w.end };
}

/** Wall-clock minutes of the windows starting on each weekday (their union). */
function minutesPerWeekday(windows: AccessWindow[]): Map<Weekday, number> {
  const out = new Map<Weekday, number>();
  for (const day of WEEKDAYS) {
    const spans = windows
      .filter((w) => w.days.includes(day))
      .map((w) => {
        const from = minutesOf(w.start);
        return [from, minutesOf(w.end) + (minutesOf(w.end) <= from ? DAY_MIN : 0)] as const;
      })
      .sort((a, b) => a[0] - b[0]);
    let total = 0;
    let reach = -1;
    for (const [a, b] of spans) {
      total += Math.max(0, b - Math.max(a, reach));
      reach = Math.max(reach, b);
    }
    out.set(day, total);
  }
  return out;
}

/** The schedule checked whole; INVALID_INPUT names the field, the value and what was expected. */
export function checkSchedule(s: AccessSchedule): AccessSchedule {
  let zoneOk = ZONE_NAME.test(s.timeZone);
  try {
    if (zoneOk) formatter(s.timeZone);
  } catch {
    zoneOk = false;
  }
  if (!zoneOk)
    throw bad(
      'timeZone',
      `${JSON.stringify(s.timeZone)} is not a named IANA time zone`,
      s.timeZone,
      'a zone name such as Europe/Berlin or UTC (an offset such as +01:00 knows no summer time)',
    );
  if (!s.windows.length)
    throw bad('windows', 'give at least one window', s.windows, 'e.g. mon-fri 08:00-18:00');
  const windows = s.windows.map(checkWindow);
  const max = s.maxHoursPerDay;
  if (max !== undefined) {
    if (!(max > 0 && max <= 24 && Number.isInteger(max * 60)))
      throw bad(
        'maxHoursPerDay',
        `${max} is not a number of hours in a day`,
        max,
        '0 < hours <= 24, to the minute',
      );
    for (const [day, minutes] of minutesPerWeekday(windows))
      if (minutes > max * 60)
        throw bad(
          'maxHoursPerDay',
          `the windows starting on ${day} hold ${minutes / 60} hours, more than maxHoursPerDay ${max}`,
          max,
          `windows of at most ${max} hours on each day, or a larger maxHoursPerDay`,
        );
  }
  return { timeZone: s.timeZone, windows, ...(max !== undefined ? { maxHoursPerDay: max } : {}) };
}

/**
 * `mon-fri 08:00-18:00`, `sat,sun 10:00-14:00` or `08:00-18:00` (every day): the CLI's
 * `--access-window`, one window per value.
 */
export function parseWindowSpec(text: string): AccessWindow {
  const m = /^\s*(?:([a-z,-]+)\s+)?(\d\d:\d\d)-(\d\d:\d\d)\s*$/i.exec(text);
  if (!m)
    throw invalidInput(`window ${JSON.stringify(text)}: expected [DAYS] HH:MM-HH:MM`, {
      details: { field: 'window', value: text, expected: 'e.g. mon-fri 08:00-18:00' },
    });
  const days = new Set<Weekday>();
  for (const part of (m[1] ?? 'mon-sun').toLowerCase().split(',')) {
    const [a, b = a] = part.split('-') as [string, string?];
    const i = WEEKDAYS.indexOf(a as Weekday);
    const j = WEEKDAYS.indexOf(b as Weekday);
    if (i < 0 || j < 0)
      throw invalidInput(
        `window ${JSON.stringify(text)}: ${JSON.stringify(part)} is not a day or day range`,
        {
          details: { field: 'window', value: text, expected: 'days as mon,tue or mon-fri' },
        },
      );
    // Ranges wrap the week: sat-mon is sat, sun, mon.
    for (let k = i; ; k = (k + 1) % 7) {
      days.add(WEEKDAYS[k] as Weekday);
      if (k === j) break;
    }
  }
  return { days: [...days], start: m[2] as string, end: m[3] as string };
}
