import type { HostSession } from '../session/host-session';
import type { AuthLogCursor } from '../ssh/auth-log-files';
import { readAuthLogEvents } from '../ssh/auth-log-files';
import type { AuthLogEvent } from '../ssh/auth-log';
import type { HostFinding } from './bounded-read';
import { hostReadLimits, type HostReadLimits } from './host-read-limits';
import { readJournalKeyActivity } from './journal-key-activity';
import { sessionLogAccess } from './session-log-access';

/** Where the previous scan stopped: per log file, and in the journal. */
export interface KeyActivityCursor {
  files: Record<string, AuthLogCursor>;
  journal?: string;
}

export interface ScanKeyActivityParams {
  /** Live log files; rotations beside them (`.1`, `.2.gz`, `-20260101.gz`) are read too. */
  logFiles?: string[];
  /**
   * Read the systemd journal too: `auto` (default) when none of the log files exists,
   * as on hosts without rsyslog.
   */
  journal?: 'auto' | 'always' | 'never';
  /** The cursor the previous scan returned. */
  cursor?: KeyActivityCursor;
  /** The host's local time offset, for traditional syslog lines (they carry none). */
  utcOffsetMinutes?: number;
  /** Caps on what is read from the host (defaults in host-read-limits.ts). */
  limits?: Partial<HostReadLimits>;
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
  /** The live log the event belongs to, or `journal`. */
  file: string;
}

export interface ScanKeyActivityResult {
  events: KeyLoginEvent[];
  /** Hand back on the next scan: nothing is counted twice, across rotation and gzip. */
  cursor: KeyActivityCursor;
  missingFiles: string[];
  /** Whether the journal was read. */
  journal: boolean;
  /** What was not read: old parts of a long backlog, oversized or corrupt files, long lines. */
  findings: HostFinding[];
}

const DEFAULT_LOG_FILES = ['/var/log/auth.log', '/var/log/secure'];

/**
 * Key logins (sshd's `Accepted publickey`) since the cursor, from traditional syslog, RFC
 * 5424 and journald-export lines, including rotated and compressed files, and from the
 * systemd journal on hosts that keep no auth log.
 */
export async function scanKeyActivity(
  session: HostSession,
  params: ScanKeyActivityParams = {},
): Promise<ScanKeyActivityResult> {
  const cursor: KeyActivityCursor = {
    files: { ...params.cursor?.files },
    ...(params.cursor?.journal ? { journal: params.cursor.journal } : {}),
  };
  const limits = hostReadLimits(params.limits);
  const logLimits = {
    bytesPerFile: limits.logBytesPerFile,
    expandedBytesPerFile: limits.logExpandedBytesPerFile,
    lineBytes: limits.logLineBytes,
    events: limits.logEvents,
  };
  const events: KeyLoginEvent[] = [];
  const findings: HostFinding[] = [];
  const missingFiles: string[] = [];
  const now = Date.now();
  const files = params.logFiles ?? DEFAULT_LOG_FILES;
  for (const file of files) {
    const dir = file.slice(0, file.lastIndexOf('/')) || '/';
    const base = file.slice(file.lastIndexOf('/') + 1);
    const access = sessionLogAccess(session, base);
    const names = await access.list(dir);
    if (!names.some((n) => n === base || n.startsWith(`${base}.`) || n.startsWith(`${base}-`))) {
      missingFiles.push(file);
      continue;
    }
    const previous = cursor.files[file];
    const scan = await readAuthLogEvents(access, {
      path: file,
      now,
      limits: logLimits,
      ...(params.utcOffsetMinutes !== undefined
        ? { utcOffsetMinutes: params.utcOffsetMinutes }
        : {}),
      ...(previous ? { cursor: previous } : {}),
    });
    cursor.files[file] = scan.cursor;
    findings.push(...scan.findings);
    for (const e of scan.events) events.push(toEvent(e, file));
  }
  const mode = params.journal ?? 'auto';
  const wantJournal =
    mode === 'always' || (mode === 'auto' && missingFiles.length === files.length);
  let journal = false;
  if (wantJournal) {
    const read = await readJournalKeyActivity(session, {
      now,
      maxBytes: limits.logBytesPerFile,
      ...(cursor.journal ? { cursor: cursor.journal } : {}),
    });
    journal = read.available;
    if (read.cursor) cursor.journal = read.cursor;
    findings.push(...read.findings);
    for (const e of read.events) events.push(toEvent(e, 'journal'));
  }
  return { events, cursor, missingFiles, journal, findings };
}

function toEvent(e: AuthLogEvent, file: string): KeyLoginEvent {
  return {
    time: new Date(e.timeMs).toISOString(),
    user: e.user,
    address: e.addr,
    port: e.port,
    keyType: e.keyType,
    fingerprint: e.fingerprint,
    ...(e.certificate ? { certificate: e.certificate } : {}),
    file,
  };
}
