/**
 * Thin stand-in for the shared/ssh auth-log parser until it lands: reads sshd's
 * `Accepted publickey` lines in traditional syslog form only. Replace its use in
 * scan-key-activity.ts with the shared parser (which also knows RFC 5424, journald and
 * certificates) once that exists.
 */
export interface KeyLoginEvent {
  time: string;
  user: string;
  address: string;
  port: number;
  keyType: string;
  fingerprint: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const ACCEPTED =
  /^(\w{3}) +(\d{1,2}) (\d\d):(\d\d):(\d\d) \S+ sshd\[\d+\]: Accepted publickey for (\S+) from (\S+) port (\d+) ssh2: (\S+) (SHA256:[A-Za-z0-9+/]+)/;

/** Syslog omits the year: take the latest one that does not put the event in the future. */
export function parseKeyLoginLine(line: string, now = new Date()): KeyLoginEvent | undefined {
  const m = ACCEPTED.exec(line);
  if (!m) return undefined;
  const [, mon, day, hh, mm, ss, user, address, port, keyType, fingerprint] = m;
  const month = MONTHS.indexOf(mon ?? '');
  if (month < 0) return undefined;
  let date = new Date(now.getFullYear(), month, Number(day), Number(hh), Number(mm), Number(ss));
  if (date.getTime() > now.getTime() + 86_400_000)
    date = new Date(date.setFullYear(now.getFullYear() - 1));
  return {
    time: date.toISOString(),
    user: user ?? '',
    address: address ?? '',
    port: Number(port),
    keyType: keyType ?? '',
    fingerprint: fingerprint ?? '',
  };
}
