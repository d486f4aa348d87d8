/**
 * Reading sshd key activity from an auth log and its rotations (`auth.log`, `auth.log.1`,
 * `auth.log.2.gz`, or dateext `auth.log-20261122.gz`), oldest first, resuming from a cursor
 * so no event is reported twice across scans. Files are reached through `LogFileAccess`, so
 * the same code runs on the agent (local disk) and over SSH.
 *
 * Cursor design: `{ timeMs, countAtTime }` says "every event up to timeMs, and the first
 * countAtTime events stamped exactly timeMs, are done". It depends only on log content, so it
 * survives renames, compression and copytruncate. Rotated files whose mtime is older than
 * timeMs are skipped without reading (every event in a file is stamped before it was last
 * written). `file: { identity, offset }` is a fast path: when the file read last time is
 * still there (same identity, e.g. dev:inode, not compressed, not shorter), reading resumes
 * at the byte after the last complete line, and files older than it are skipped.
 * A half-written last line is left for the next scan.
 *
 * Bounded work (the log is the host's to write): at most `bytesPerFile` of a plain file is
 * read per scan, its newest part when more is new; a compressed file larger than that is not
 * read, and one is expanded as a stream up to `expandedBytesPerFile`; lines over `lineBytes`
 * are skipped; at most `events` logins are kept per scan, and the cursor then stops at the
 * last one kept, so the next scan goes on from there. Each of these is a finding.
 *
 * Exports:
 * - `LogFileAccess`: `list(dir)`, `stat(path)`, `read(path, start?, maxBytes?)` callbacks.
 * - `AuthLogCursor`, `AuthLogScan` (`{ events, cursor, files, findings }`), `AuthLogLimits`.
 * - `rotatedLogFiles(names, baseName)`: the names that belong to the log, oldest first.
 * - `readAuthLogEvents(access, opts)`: events after the cursor, and the cursor to store.
 */
import { errorCode, toErrorRecord } from '../errors';
import { parseAuthLogLine, type AuthLogEvent } from './auth-log';
import { eachGunzippedLine, eachLine, type LineSink } from './log-lines';
import type { SyslogTimeOptions } from './syslog-time';

export interface LogFileAccess {
  /** File names (not paths) in a directory. */
  list(dir: string): Promise<string[]>;
  /** `identity` must stay the same across renames (e.g. `${dev}:${ino}`). */
  stat(path: string): Promise<{ identity: string; size: number; mtimeMs: number } | undefined>;
  /**
   * The file's bytes from `start` (default 0), at most `maxBytes` of them (the caller trims
   * anything longer); undefined if it vanished. May throw FILE_TOO_LARGE when it cannot
   * read part of a file only: that file becomes a finding.
   */
  read(path: string, start?: number, maxBytes?: number): Promise<Buffer | undefined>;
}

export interface AuthLogLimits {
  bytesPerFile: number;
  expandedBytesPerFile: number;
  lineBytes: number;
  /** Logins kept per scan. */
  events: number;
}

export const DEFAULT_AUTH_LOG_LIMITS: Readonly<AuthLogLimits> = Object.freeze({
  bytesPerFile: 16 * 1024 * 1024,
  expandedBytesPerFile: 64 * 1024 * 1024,
  lineBytes: 8 * 1024,
  events: 100_000,
});

/** What a scan did not read (same shape as hostops' HostFinding). */
export interface AuthLogFinding {
  code: string;
  path: string;
  message: string;
  size?: number;
  limit?: number;
}

export interface AuthLogCursor {
  timeMs: number;
  countAtTime: number;
  file?: { identity: string; offset: number };
}

export interface AuthLogScan {
  events: AuthLogEvent[];
  cursor: AuthLogCursor;
  /** Paths actually read, oldest first (for diagnostics). */
  files: string[];
  findings: AuthLogFinding[];
}

/** `N` of `.N`, or `D` of a dateext `-D` (8 to 10 digits), after the base name; else undefined. */
function rotationSuffix(rest: string): { numbered?: number; dated?: number } | undefined {
  const digits = (s: string) => s !== '' && [...s].every((c) => c >= '0' && c <= '9');
  if (rest === '') return {};
  const tail = rest.slice(1);
  if (rest.startsWith('.') && digits(tail)) return { numbered: Number(tail) };
  if (rest.startsWith('-') && digits(tail) && tail.length >= 8 && tail.length <= 10) {
    return { dated: Number(tail) };
  }
  return undefined;
}

/**
 * Oldest first: highest numbered rotation, then dateext rotations by date, then the live
 * file. Plain string tests on the host's file names (no pattern built from the base name).
 */
export function rotatedLogFiles(names: readonly string[], baseName: string): string[] {
  const found: { name: string; rank: number }[] = [];
  for (const name of names) {
    if (!name.startsWith(baseName)) continue;
    let rest = name.slice(baseName.length);
    const gz = rest.endsWith('.gz');
    if (gz) rest = rest.slice(0, -3);
    const suffix = rotationSuffix(rest);
    // A compressed live name (auth.log.gz) is not one of the log's files.
    if (!suffix || (gz && suffix.numbered === undefined && suffix.dated === undefined)) continue;
    // Numbered: a higher number is older. Dateext: an earlier date is older. Live file last.
    const rank =
      suffix.numbered !== undefined
        ? -1e12 - suffix.numbered
        : suffix.dated !== undefined
          ? -1e11 + suffix.dated
          : 0;
    found.push({ name, rank });
  }
  return found.sort((a, b) => a.rank - b.rank).map((f) => f.name);
}

const isGzip = (path: string, data: Buffer) =>
  path.endsWith('.gz') || (data[0] === 0x1f && data[1] === 0x8b);

export async function readAuthLogEvents(
  access: LogFileAccess,
  opts: SyslogTimeOptions & { path?: string; cursor?: AuthLogCursor; limits?: AuthLogLimits },
): Promise<AuthLogScan> {
  const limits = opts.limits ?? DEFAULT_AUTH_LOG_LIMITS;
  const path = opts.path ?? '/var/log/auth.log';
  const slash = path.lastIndexOf('/');
  const dir = slash <= 0 ? '/' : path.slice(0, slash);
  const names = rotatedLogFiles(await access.list(dir), path.slice(slash + 1));
  const files = names.map((n) => `${dir === '/' ? '' : dir}/${n}`);
  const stats = await Promise.all(files.map((f) => access.stat(f)));
  const cursor = opts.cursor;

  const previous = cursor?.file;
  const resumeAt = previous
    ? stats.findIndex(
        (s, i) =>
          s !== undefined &&
          s.identity === previous.identity &&
          !files[i]?.endsWith('.gz') &&
          s.size >= previous.offset,
      )
    : -1;

  const events: AuthLogEvent[] = [];
  const read: string[] = [];
  const findings: AuthLogFinding[] = [];
  let seenAtCursorTime = 0;
  let last: { identity: string; offset: number } | undefined;
  let full = false;
  const filtering = resumeAt === -1 && cursor !== undefined;
  const sink: LineSink = (line) => {
    const e = parseAuthLogLine(line, opts);
    if (!e) return true;
    if (filtering) {
      if (e.timeMs < cursor.timeMs) return true;
      if (e.timeMs === cursor.timeMs && ++seenAtCursorTime <= cursor.countAtTime) return true;
    }
    events.push(e);
    full = events.length >= limits.events;
    return !full;
  };
  for (let i = resumeAt === -1 ? 0 : resumeAt; i < files.length && !full; i++) {
    const file = files[i] as string;
    const stat = stats[i];
    if (!stat) continue;
    const resuming = i === resumeAt;
    if (resumeAt === -1 && cursor && stat.mtimeMs < cursor.timeMs - 1000 && i < files.length - 1)
      continue;
    const live = i === files.length - 1;
    const compressed = file.endsWith('.gz');
    let start = resuming ? (cursor?.file?.offset ?? 0) : 0;
    if (compressed && stat.size > limits.bytesPerFile) {
      findings.push({
        code: 'FILE_TOO_LARGE',
        path: file,
        message: `${file} is ${stat.size} compressed bytes, over the ${limits.bytesPerFile}-byte cap: not read`,
        size: stat.size,
        limit: limits.bytesPerFile,
      });
      continue;
    }
    // More new bytes than the cap: read the newest part (the older part is reported unread).
    const cut = !compressed && stat.size - start > limits.bytesPerFile;
    if (cut) {
      const from = stat.size - limits.bytesPerFile;
      findings.push({
        code: 'LIMIT_EXCEEDED',
        path: file,
        message: `${from - start} bytes of ${file} before its newest ${limits.bytesPerFile} were not read`,
        size: stat.size,
        limit: limits.bytesPerFile,
      });
      start = from;
    }
    let data: Buffer | undefined;
    try {
      data = await access.read(file, start, limits.bytesPerFile);
    } catch (err) {
      if (errorCode(err) !== 'FILE_TOO_LARGE') throw err;
      findings.push({ code: 'FILE_TOO_LARGE', path: file, message: toErrorRecord(err).message });
      continue;
    }
    if (!data) continue;
    if (data.length > limits.bytesPerFile) data = data.subarray(0, limits.bytesPerFile);
    read.push(file);
    let skippedLong = 0;
    if (start === 0 && isGzip(file, data)) {
      try {
        const r = await eachGunzippedLine(
          data,
          { maxExpandedBytes: limits.expandedBytesPerFile, maxLineBytes: limits.lineBytes },
          sink,
        );
        skippedLong = r.skippedLong;
        if (r.truncated) {
          findings.push({
            code: 'LIMIT_EXCEEDED',
            path: file,
            message: `${file} expands to more than ${limits.expandedBytesPerFile} bytes; the rest was not read`,
            limit: limits.expandedBytesPerFile,
          });
        }
      } catch (err) {
        findings.push({
          code: 'INVALID_INPUT',
          path: file,
          message: `${file} is not valid gzip: ${toErrorRecord(err).message}`,
        });
      }
    } else {
      // Only complete lines of the live file; rotated files are finished. A cut file starts
      // mid-line: its first piece is not a line.
      const firstNewline = data.indexOf(0x0a);
      const begin = !cut ? 0 : firstNewline === -1 ? data.length : firstNewline + 1;
      const end = live ? data.lastIndexOf(0x0a) + 1 : data.length;
      const r = eachLine(data.subarray(begin, Math.max(begin, end)), limits.lineBytes, sink);
      skippedLong = r.skippedLong;
      if (live) last = { identity: stat.identity, offset: start + begin + r.end };
    }
    if (skippedLong > 0) {
      findings.push({
        code: 'LIMIT_EXCEEDED',
        path: file,
        message: `${skippedLong} lines of ${file} longer than ${limits.lineBytes} bytes were skipped`,
        limit: limits.lineBytes,
      });
    }
  }
  if (full) {
    findings.push({
      code: 'LIMIT_EXCEEDED',
      path,
      message: `more than ${limits.events} key logins to read; the next scan goes on after the last one kept`,
      limit: limits.events,
    });
  }

  let timeMs = cursor?.timeMs ?? 0;
  let countAtTime = cursor?.countAtTime ?? 0;
  for (const e of events) {
    // A line stamped earlier than the cursor (clock step, late writer) must not move it back.
    if (e.timeMs === timeMs) countAtTime++;
    else if (e.timeMs > timeMs) {
      timeMs = e.timeMs;
      countAtTime = 1;
    }
  }
  const next: AuthLogCursor = { timeMs, countAtTime };
  // Stopped early outside the live file: the byte position says nothing; resume by time.
  const file = full && !last ? undefined : (last ?? cursor?.file);
  if (file) next.file = file;
  return { events, cursor: next, files: read, findings };
}
