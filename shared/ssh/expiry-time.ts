/**
 * The `expiry-time` of authorized_keys lines and principals files, read as sshd reads it
 * (misc.c parse_absolute_time).
 *
 * Exports:
 * - `parseExpiryTime(value, hostUtcOffsetMinutes)`: seconds since the epoch, or undefined
 *   where sshd refuses the value ("invalid expires time") and so skips the whole line.
 */

/** YYYYMMDD[HHMM[SS]] with an optional Z (UTC); otherwise the host's local time. */
export function parseExpiryTime(value: string, hostUtcOffsetMinutes = 0): number | undefined {
  let text = value;
  let utc = false;
  if (/z$/i.test(text) && text.length > 1) {
    utc = true;
    text = text.slice(0, -1);
  } else if (/utc$/i.test(text) && text.length > 3) {
    utc = true;
    text = text.slice(0, -3);
  }
  if (!/^\d+$/.test(text) || ![8, 12, 14].includes(text.length)) return undefined;
  const n = (from: number, len: number) => Number(text.slice(from, from + len) || '0');
  const [y, mo, d, h, mi, s] = [n(0, 4), n(4, 2), n(6, 2), n(8, 2), n(10, 2), n(12, 2)];
  // strptime's field ranges; mktime then normalises (31 February is 3 March), as Date.UTC does.
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 61) return undefined;
  const seconds = Date.UTC(y, mo - 1, d, h, mi, s) / 1000;
  const at = utc ? seconds : seconds - hostUtcOffsetMinutes * 60;
  // sshd refuses a time of zero or before the epoch ("invalid expires time").
  return at > 0 ? at : undefined;
}
