/**
 * sshd key activity in auth logs: `Accepted publickey for USER from ADDR port N ssh2: TYPE FP`
 * (and the certificate form `... ED25519-CERT SHA256:... ID keyid (serial 5) CA ED25519 SHA256:...`)
 * found in traditional syslog lines, ISO-8601/RFC 5424 lines, and `journalctl -o json` lines.
 * Reading rotated files with a resumable cursor is in `auth-log-files.ts`.
 *
 * Exports:
 * - `AuthLogEvent`: time, host, pid, user, address, port, key type, fingerprint, certificate.
 * - `parseAcceptedPublickey(message)`: the fields of one sshd message, or undefined.
 * - `parseAuthLogLine(line, opts)`: one line of any of the three formats, or undefined.
 * - `parseAuthLogText(text, opts)`: every event of a text, in order.
 */
import { parseIsoTime, parseTraditionalTime, type SyslogTimeOptions } from './syslog-time';

export type { SyslogTimeOptions } from './syslog-time';

export interface AuthLogEvent {
  /** Milliseconds since the epoch. */
  timeMs: number;
  host?: string;
  pid?: number;
  user: string;
  addr: string;
  port: number;
  /** sshd's label: `ED25519`, `RSA`, `ECDSA-SK`, `ED25519-CERT`... */
  keyType: string;
  /** `SHA256:...` (or `MD5:...` when sshd runs with FingerprintHash md5). For certificates,
   * the fingerprint of the certified key, as ssh-keygen -l prints it for the certificate. */
  fingerprint: string;
  certificate?: { keyId: string; serial: string; caKeyType: string; caFingerprint: string };
}

type Accepted = Omit<AuthLogEvent, 'timeMs' | 'host' | 'pid'>;

const ACCEPTED = /^Accepted publickey for (.+?) from (\S+) port (\d+) ssh2: (.+)$/;
const CERT_INFO = /^(\S+) (\S+) ID (.*) \(serial (\d+)\) CA (\S+) (\S+)$/;
const KEY_INFO = /^(\S+) (\S+)$/;
const SSHD_PROGRAMS = new Set(['sshd', 'sshd-session']);

export function parseAcceptedPublickey(message: string): Accepted | undefined {
  const m = ACCEPTED.exec(message.trimEnd());
  if (!m) return undefined;
  const [, user = '', addr = '', port = '', info = ''] = m;
  const base = { user, addr, port: Number(port) };
  const cert = CERT_INFO.exec(info);
  if (cert) {
    const [
      ,
      keyType = '',
      fingerprint = '',
      keyId = '',
      serial = '',
      caKeyType = '',
      caFingerprint = '',
    ] = cert;
    return {
      ...base,
      keyType,
      fingerprint,
      certificate: { keyId, serial, caKeyType, caFingerprint },
    };
  }
  const key = KEY_INFO.exec(info);
  if (!key) return undefined;
  return { ...base, keyType: key[1] ?? '', fingerprint: key[2] ?? '' };
}

/** `host prog[pid]: message` after the timestamp of a syslog line. */
const TAGGED = /^(\S+) ([^\s[:]+)(?:\[(\d+)\])?: (.*)$/;
const TRADITIONAL_PREFIX = /^([A-Z][a-z]{2} {1,2}\d{1,2} \d\d:\d\d:\d\d) (.*)$/;
const ISO_PREFIX = /^(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)) (.*)$/;
/**
 * RFC 5424: `<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG`. An SD element is `[...]` with
 * `]` inside only escaped, matched so that a text splits into elements one way only: a lazy
 * `\[.*?\]` repeated splits `[][]...[]` in 2^n ways, and a line that then fails to match
 * (a U+2028 before the end) took seconds for two dozen pairs. The message is any text
 * (U+2028 included), so nothing after the elements can fail and send the engine back.
 */
const RFC5424 =
  /^<\d{1,3}>1 (\S+) (\S+) (\S+) (\S+) \S+ (?:-|(?:\[(?:[^\]\\]|\\.)*\])+) ?([\s\S]*)$/;

function fromJournal(line: string): AuthLogEvent | undefined {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (rec === null || typeof rec !== 'object') return undefined;
  const prog = rec['SYSLOG_IDENTIFIER'] ?? rec['_COMM'];
  if (typeof prog !== 'string' || !SSHD_PROGRAMS.has(prog)) return undefined;
  const raw = rec['MESSAGE'];
  // journald exports non-UTF-8 messages as an array of byte values.
  const message =
    typeof raw === 'string'
      ? raw
      : Array.isArray(raw)
        ? Buffer.from(raw as number[]).toString('utf8')
        : undefined;
  const us = rec['__REALTIME_TIMESTAMP'];
  if (message === undefined || typeof us !== 'string' || !/^\d+$/.test(us)) return undefined;
  const accepted = parseAcceptedPublickey(message);
  if (!accepted) return undefined;
  const event: AuthLogEvent = { timeMs: Number(BigInt(us) / 1000n), ...accepted };
  if (typeof rec['_HOSTNAME'] === 'string') event.host = rec['_HOSTNAME'];
  const pid = rec['_PID'] ?? rec['SYSLOG_PID'];
  if (typeof pid === 'string' && /^\d+$/.test(pid)) event.pid = Number(pid);
  return event;
}

function event(
  timeMs: number | undefined,
  host: string,
  prog: string,
  pid: string | undefined,
  message: string,
): AuthLogEvent | undefined {
  if (timeMs === undefined || !SSHD_PROGRAMS.has(prog)) return undefined;
  const accepted = parseAcceptedPublickey(message);
  if (!accepted) return undefined;
  const e: AuthLogEvent = { timeMs, host, ...accepted };
  if (pid !== undefined && /^\d+$/.test(pid)) e.pid = Number(pid);
  return e;
}

export function parseAuthLogLine(line: string, opts: SyslogTimeOptions): AuthLogEvent | undefined {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  // Cheap filter first: most lines of an auth log are not key logins. Journal records
  // whose MESSAGE is a byte array can only be judged after decoding.
  const candidate = text.includes('Accepted publickey');
  if (text.startsWith('{')) {
    return candidate || /"MESSAGE"\s*:\s*\[/.test(text) ? fromJournal(text) : undefined;
  }
  if (!candidate) return undefined;
  let m = TRADITIONAL_PREFIX.exec(text);
  let timeMs: number | undefined;
  if (m) timeMs = parseTraditionalTime(m[1] ?? '', opts);
  else if ((m = ISO_PREFIX.exec(text))) timeMs = parseIsoTime(m[1] ?? '');
  if (m) {
    const tagged = TAGGED.exec(m[2] ?? '');
    if (!tagged) return undefined;
    return event(timeMs, tagged[1] ?? '', tagged[2] ?? '', tagged[3], tagged[4] ?? '');
  }
  const r = RFC5424.exec(text.replace(/^\uFEFF/, ''));
  if (!r) return undefined;
  const msg = (r[5] ?? '').replace(/^\uFEFF/, '');
  return event(
    parseIsoTime(r[1] ?? ''),
    r[2] ?? '',
    r[3] ?? '',
    r[4] === '-' ? undefined : r[4],
    msg,
  );
}

export function parseAuthLogText(text: string, opts: SyslogTimeOptions): AuthLogEvent[] {
  const events: AuthLogEvent[] = [];
  for (const line of text.split('\n')) {
    const e = parseAuthLogLine(line, opts);
    if (e) events.push(e);
  }
  return events;
}
