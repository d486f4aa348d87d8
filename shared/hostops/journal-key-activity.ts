import type { HostSession } from '../session/host-session';
import { parseAuthLogLine, type AuthLogEvent } from '../ssh/auth-log';

export interface JournalRead {
  events: AuthLogEvent[];
  /** journald's own cursor of the last entry read: the next read starts after it. */
  cursor?: string;
  /** false when the host has no journalctl (or it failed): the files are the only source. */
  available: boolean;
}

/**
 * sshd's key logins from the systemd journal, for hosts that keep no auth.log (Debian 12 and
 * Fedora without rsyslog). journalctl filters to sshd's entries (`sshd-session` since
 * OpenSSH 9.8) and resumes after journald's cursor, so an entry is read once.
 */
export async function readJournalKeyActivity(
  session: HostSession,
  opts: { cursor?: string; now: number },
): Promise<JournalRead> {
  const out = await session.exec(
    'journalctl',
    [
      '--output=json',
      '--no-pager',
      '--quiet',
      ...(opts.cursor ? [`--after-cursor=${opts.cursor}`] : []),
      'SYSLOG_IDENTIFIER=sshd',
      'SYSLOG_IDENTIFIER=sshd-session',
    ],
    { timeoutMs: 5 * 60_000 },
  );
  if (out.code !== 0) {
    return { events: [], available: false, ...(opts.cursor ? { cursor: opts.cursor } : {}) };
  }
  const events: AuthLogEvent[] = [];
  let cursor = opts.cursor;
  for (const line of out.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    const at = /"__CURSOR"\s*:\s*"((?:[^"\\]|\\.)*)"/.exec(line);
    if (at?.[1]) cursor = JSON.parse(`"${at[1]}"`) as string;
    const event = parseAuthLogLine(line, { now: opts.now });
    if (event) events.push(event);
  }
  return { events, available: true, ...(cursor ? { cursor } : {}) };
}
