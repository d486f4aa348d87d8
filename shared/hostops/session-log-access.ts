import { posix } from 'node:path';
import { createHash } from 'node:crypto';
import { fileTooLarge } from '../errors';
import type { HostSession } from '../session/host-session';
import type { LogFileAccess } from '../ssh/auth-log-files';
import { readBoundedFile } from './bounded-read';

/** Bytes hashed for a file's identity where the host has no `stat -L`. */
const HEAD_BYTES = 256;
/** Where the host cannot read part of a file either: the largest file read whole for that. */
const WHOLE_READ_FOR_HEAD = 16 * 1024 * 1024;

/**
 * Log files reached through a HostSession. A file's identity must survive a rename
 * (auth.log -> auth.log.1), so it is the device and inode from `stat -L` on the host,
 * asked once per directory; where that command is missing, a hash of the file's first
 * bytes stands in (rotation starts a new file with a new first line). Reads ask the host for
 * the wanted range only (`tail | head`, base64 so no byte is lost in transit), so a log of
 * any size costs at most `maxBytes`; where those commands are missing, a file is read whole
 * only if that is within the cap, else it is refused with FILE_TOO_LARGE (a finding).
 */
export function sessionLogAccess(session: HostSession, baseName?: string): LogFileAccess {
  const identities = new Map<string, string>();
  const listed = new Map<string, Promise<string[]>>();
  const list = async (dir: string): Promise<string[]> => {
    if ((await session.stat(dir))?.type !== 'directory') return [];
    const names = (await session.listDir(dir)).map((e) => e.name);
    // Only the log's own files: /var/log holds many others not worth a stat.
    const ours = names.filter((n) => baseName === undefined || n.startsWith(baseName));
    const byCommandPath = new Map(
      ours.map((n) => [session.commandPath(posix.join(dir, n)), posix.join(dir, n)]),
    );
    if (byCommandPath.size === 0) return names;
    // One line per file that still exists (a file rotated away meanwhile is just missing).
    const out = await session.exec('stat', ['-L', '-c', '%d:%i %n', '--', ...byCommandPath.keys()]);
    for (const line of out.stdout.split('\n')) {
      const space = line.indexOf(' ');
      const path = byCommandPath.get(line.slice(space + 1));
      if (space > 0 && path !== undefined) identities.set(path, line.slice(0, space));
    }
    return names;
  };

  /** `maxBytes` from `start`, by command; undefined when the host cannot run it. */
  const readRange = async (path: string, start: number, maxBytes: number) => {
    const out = await session.exec('sh', [
      '-c',
      'tail -c +"$1" -- "$3" | head -c "$2" | base64 -w0',
      'sh',
      String(start + 1),
      String(maxBytes),
      session.commandPath(path),
    ]);
    return out.code === 0 ? Buffer.from(out.stdout.trim(), 'base64') : undefined;
  };

  const read = async (path: string, start = 0, maxBytes = Number.MAX_SAFE_INTEGER) => {
    const st = await session.stat(path);
    if (st?.type !== 'file') return undefined;
    const range = await readRange(path, start, maxBytes);
    if (range) return range;
    if (st.size - start > maxBytes) {
      throw fileTooLarge(
        `${path}: ${st.size - start} bytes to read, over the ${maxBytes}-byte cap, and the host cannot read part of a file (tail, head, base64)`,
        { details: { path, size: st.size, limit: maxBytes } },
      );
    }
    const whole = await readBoundedFile(session, path, start + maxBytes, 'a log');
    return whole.content.subarray(start, start + maxBytes);
  };

  return {
    // Listed once per directory and access: the caller checks presence, the reader lists again.
    list: (dir) => {
      let names = listed.get(dir);
      if (!names) listed.set(dir, (names = list(dir)));
      return names;
    },
    stat: async (path) => {
      const st = await session.stat(path);
      if (st?.type !== 'file') return undefined;
      let identity = identities.get(path);
      if (identity === undefined) {
        // A file too large to read whole without tail/head gets an identity that never
        // matches: the next scan resumes by time, not by offset.
        const head =
          (await readRange(path, 0, HEAD_BYTES)) ??
          (await readBoundedFile(session, path, WHOLE_READ_FOR_HEAD, 'a log').then(
            (r) => r.content.subarray(0, HEAD_BYTES),
            () => undefined,
          ));
        identity = head
          ? `head:${createHash('sha256').update(head).digest('hex')}`
          : `unread:${path}:${st.size}:${st.mtimeMs}`;
      }
      return { identity, size: st.size, mtimeMs: st.mtimeMs };
    },
    read,
  };
}
