import type { HostSession } from '../session/host-session';
import type { AuthLogCursor } from '../ssh/auth-log-files';
import { readAuthLogEvents } from '../ssh/auth-log-files';
import { sessionLogAccess } from './session-log-access';

export interface ScanKeyActivityParams {
  /** Live log files; rotations beside them (`.1`, `.2.gz`, `-20260101.gz`) are read too. */
  logFiles?: string[];
  /** Per log file, the cursor the previous scan returned. */
  cursor?: Record<string, AuthLogCursor>;
  /** The host's local time offset, for traditional syslog lines (they carry none). */
  utcOffsetMinutes?: number;
}

export interface KeyLoginEvent {
  /** ISO-8601, UTC. */
  time: string;
  user: string;
  address: string;
  port: number;
  keyType: string;
  fingerprint: string;
  certificate?: { keyId: string; serial: string; caKeyType: string; caFingerprint: string };
  /** The live log the event belongs to. */
  file: string;
}

export interface ScanKeyActivityResult {
  events: KeyLoginEvent[];
  /** Hand back on the next scan: nothing is counted twice, across rotation and gzip. */
  cursor: Record<string, AuthLogCursor>;
  missingFiles: string[];
}

const DEFAULT_LOG_FILES = ['/var/log/auth.log', '/var/log/secure'];

/**
 * Key logins (sshd's `Accepted publickey`) since the cursor, from traditional syslog, RFC
 * 5424 and journald-export lines, including rotated and compressed files.
 */
export async function scanKeyActivity(
  session: HostSession,
  params: ScanKeyActivityParams = {},
): Promise<ScanKeyActivityResult> {
  const cursor: Record<string, AuthLogCursor> = { ...params.cursor };
  const events: KeyLoginEvent[] = [];
  const missingFiles: string[] = [];
  const now = Date.now();
  for (const file of params.logFiles ?? DEFAULT_LOG_FILES) {
    const dir = file.slice(0, file.lastIndexOf('/')) || '/';
    const base = file.slice(file.lastIndexOf('/') + 1);
    const access = sessionLogAccess(session, base);
    const names = await access.list(dir);
    if (!names.some((n) => n === base || n.startsWith(`${base}.`) || n.startsWith(`${base}-`))) {
      missingFiles.push(file);
      continue;
    }
    const previous = cursor[file];
    const scan = await readAuthLogEvents(access, {
      path: file,
      now,
      ...(params.utcOffsetMinutes !== undefined
        ? { utcOffsetMinutes: params.utcOffsetMinutes }
        : {}),
      ...(previous ? { cursor: previous } : {}),
    });
    cursor[file] = scan.cursor;
    for (const e of scan.events) {
      events.push({
        time: new Date(e.timeMs).toISOString(),
        user: e.user,
        address: e.addr,
        port: e.port,
        keyType: e.keyType,
        fingerprint: e.fingerprint,
        ...(e.certificate ? { certificate: e.certificate } : {}),
        file,
      });
    }
  }
  return { events, cursor, missingFiles };
}
