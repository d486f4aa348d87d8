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
 * Exports:
 * - `LogFileAccess`: `list(dir)`, `stat(path)`, `read(path, start?)` callbacks.
 * - `AuthLogCursor`, `AuthLogScan` (`{ events, cursor, files }`).
 * - `rotatedLogFiles(names, baseName)`: the names that belong to the log, oldest first.
 * - `readAuthLogEvents(access, opts)`: events after the cursor, and the cursor to store.
 */
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { parseAuthLogLine, type AuthLogEvent } from './auth-log';
import type { SyslogTimeOptions } from './syslog-time';

const gunzipAsync = promisify(gunzip);

export interface LogFileAccess {
  /** File names (not paths) in a directory. */
  list(dir: string): Promise<string[]>;
  /** `identity` must stay the same across renames (e.g. `${dev}:${ino}`). */
  stat(path: string): Promise<{ identity: string; size: number; mtimeMs: number } | undefined>;
  /** The file's bytes from `start` (default 0) to its end; undefined if it vanished. */
  read(path: string, start?: number): Promise<Buffer | undefined>;
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
}

/** Oldest first: highest numbered rotation, then dateext rotations by date, then the live file. */
export function rotatedLogFiles(names: readonly string[], baseName: string): string[] {
  const escaped = baseName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`^${escaped}(?:\\.(\\d+)|-(\\d{8,10}))?(\\.gz)?$`);
  const found: { name: string; rank: number }[] = [];
  for (const name of names) {
    const m = re.exec(name);
    if (!m || (m[3] && !m[1] && !m[2])) continue;
    // Numbered: a higher number is older. Dateext: an earlier date is older. Live file last.
    const rank = m[1] ? -1e12 - Number(m[1]) : m[2] ? -1e11 + Number(m[2]) : 0;
    found.push({ name, rank });
  }
  return found.sort((a, b) => a.rank - b.rank).map((f) => f.name);
}

const isGzip = (path: string, data: Buffer) =>
  path.endsWith('.gz') || (data[0] === 0x1f && data[1] === 0x8b);

export async function readAuthLogEvents(
  access: LogFileAccess,
  opts: SyslogTimeOptions & { path?: string; cursor?: AuthLogCursor },
): Promise<AuthLogScan> {
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
  let seenAtCursorTime = 0;
  let last: { identity: string; offset: number } | undefined;
  for (let i = resumeAt === -1 ? 0 : resumeAt; i < files.length; i++) {
    const file = files[i] as string;
    const stat = stats[i];
    if (!stat) continue;
    const resuming = i === resumeAt;
    if (resumeAt === -1 && cursor && stat.mtimeMs < cursor.timeMs - 1000 && i < files.length - 1)
      continue;
    const start = resuming ? (cursor?.file?.offset ?? 0) : 0;
    let data = await access.read(file, start);
    if (!data) continue;
    read.push(file);
    if (isGzip(file, data)) data = await gunzipAsync(data);
    const live = i === files.length - 1;
    // Only complete lines of the live file; rotated files are finished.
    const end = live ? data.lastIndexOf(0x0a) + 1 : data.length;
    const text = data.subarray(0, end).toString('utf8');
    if (live) last = { identity: stat.identity, offset: start + end };
    const filtering = resumeAt === -1 && cursor !== undefined;
    for (const line of text.split('\n')) {
      const e = parseAuthLogLine(line, opts);
      if (!e) continue;
      if (filtering) {
        if (e.timeMs < cursor.timeMs) continue;
        if (e.timeMs === cursor.timeMs && ++seenAtCursorTime <= cursor.countAtTime) continue;
      }
      events.push(e);
    }
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
  const file = last ?? cursor?.file;
  if (file) next.file = file;
  return { events, cursor: next, files: read };
}
