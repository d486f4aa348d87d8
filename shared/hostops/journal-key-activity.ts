import type { HostSession } from '../session/host-session';
import { parseAuthLogLine, type AuthLogEvent } from '../ssh/auth-log';
import type { HostFinding } from './bounded-read';

export interface JournalRead {
  events: AuthLogEvent[];
  /** journald's own cursor of the last entry read: the next read starts after it. */
  cursor?: string;
  /** false when the host has no journalctl (or it failed): the files are the only source. */
  available: boolean;
  findings: HostFinding[];
}

/** Printed after journalctl's output when it failed, so the pipe's status is not lost. */
const FAILED = 'keywarden-journalctl-failed';
/** One journal record as JSON; sshd's records are well under this. */
const MAX_RECORD_BYTES = 64 * 1024;

/**
 * sshd's key logins from the systemd journal, for hosts that keep no auth.log (Debian 12 and
 * Fedora without rsyslog). journalctl filters to sshd's entries (`sshd-session` since
 * OpenSSH 9.8) and resumes after journald's cursor, so an entry is read once. At most
 * `maxBytes` of its output is read per scan (`head -c` on the host): the cursor is that of
 * the last whole record read, so the next scan goes on from there.
 */
export async function readJournalKeyActivity(
  session: HostSession,
  opts: { cursor?: string; now: number; maxBytes: number },
): Promise<JournalRead> {
  const out = await session.exec(
    'sh',
    [
      '-c',
      `max=$1; shift; { journalctl "$@" || echo "${FAILED}"; } | head -c "$max"`,
      'sh',
      String(opts.maxBytes),
      '--output=json',
      '--no-pager',
      '--quiet',
      ...(opts.cursor ? [`--after-cursor=${opts.cursor}`] : []),
      'SYSLOG_IDENTIFIER=sshd',
      'SYSLOG_IDENTIFIER=sshd-session',
    ],
    { timeoutMs: 5 * 60_000 },
  );
  const unavailable = { events: [], available: false, findings: [] };
  if (out.code !== 0 || out.stdout.endsWith(`${FAILED}\n`)) {
    return { ...unavailable, ...(opts.cursor ? { cursor: opts.cursor } : {}) };
  }
  const events: AuthLogEvent[] = [];
  const findings: HostFinding[] = [];
  let cursor = opts.cursor;
  // Output cut at the cap ends mid-record: that record is read by the next scan.
  const full = Buffer.byteLength(out.stdout) >= opts.maxBytes;
  const text = full ? out.stdout.slice(0, out.stdout.lastIndexOf('\n') + 1) : out.stdout;
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    if (line.length > MAX_RECORD_BYTES) {
      skipped++;
      continue;
    }
    const at = /"__CURSOR"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(line);
    if (at?.[1]) cursor = JSON.parse(`"${at[1]}"`) as string;
    const event = parseAuthLogLine(line, { now: opts.now });
    if (event) events.push(event);
  }
  if (full) {
    findings.push({
      code: 'LIMIT_EXCEEDED',
      path: 'journal',
      message: `more than ${opts.maxBytes} bytes of sshd journal entries; the next scan goes on from the last one read`,
      limit: opts.maxBytes,
    });
  }
  if (skipped > 0) {
    findings.push({
      code: 'LIMIT_EXCEEDED',
      path: 'journal',
      message: `${skipped} journal records longer than ${MAX_RECORD_BYTES} bytes were skipped`,
      limit: MAX_RECORD_BYTES,
    });
  }
  return { events, available: true, findings, ...(cursor ? { cursor } : {}) };
}
