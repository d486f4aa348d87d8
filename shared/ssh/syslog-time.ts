/**
 * Timestamps of syslog lines: traditional `Nov 23 17:39:45` (no year, local time) and
 * ISO-8601 / RFC 5424 `2026-11-23T17:39:45.123456+00:00`.
 *
 * Exports:
 * - `SyslogTimeOptions`: `{ now, utcOffsetMinutes }`: the reference instant that supplies the
 *   missing year, and the offset of the host's local time (traditional lines carry none).
 * - `parseTraditionalTime(text, opts)`: ms epoch or undefined. A date more than a day after
 *   `now` is taken from the previous year, so December lines read in January land in the
 *   right year.
 * - `parseIsoTime(text)`: ms epoch or undefined (microseconds truncated).
 */
export interface SyslogTimeOptions {
  /** Reference instant (ms epoch), normally the time of the scan. */
  now: number;
  /** Local time offset of the host that wrote traditional lines, e.g. 60 for CET. Default 0. */
  utcOffsetMinutes?: number;
}

const MONTHS: Record<string, number> = {
  Jan: 0,
  Feb: 1,
  Mar: 2,
  Apr: 3,
  May: 4,
  Jun: 5,
  Jul: 6,
  Aug: 7,
  Sep: 8,
  Oct: 9,
  Nov: 10,
  Dec: 11,
};

const DAY_MS = 86_400_000;
const TRADITIONAL = /^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d):(\d\d):(\d\d)$/;
const ISO = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:[.,](\d+))?(Z|[+-]\d\d:?\d\d)$/;

export function parseTraditionalTime(text: string, opts: SyslogTimeOptions): number | undefined {
  const m = TRADITIONAL.exec(text);
  const month = m ? MONTHS[m[1] ?? ''] : undefined;
  if (!m || month === undefined) return undefined;
  const offsetMs = (opts.utcOffsetMinutes ?? 0) * 60_000;
  const localNow = new Date(opts.now + offsetMs);
  const at = (year: number) =>
    Date.UTC(year, month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])) - offsetMs;
  const year = localNow.getUTCFullYear();
  const t = at(year);
  return t > opts.now + DAY_MS ? at(year - 1) : t;
}

export function parseIsoTime(text: string): number | undefined {
  const m = ISO.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac = '', zone = 'Z'] = m;
  let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  t += Number((frac + '000').slice(0, 3));
  if (zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return Number.isNaN(t) ? undefined : t;
}
