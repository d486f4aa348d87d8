import { posix } from 'node:path';
import { createHash } from 'node:crypto';
import type { HostSession } from '../session/host-session';
import type { LogFileAccess } from '../ssh/auth-log-files';

/**
 * Log files reached through a HostSession. A file's identity must survive a rename
 * (auth.log -> auth.log.1), so it is the device and inode from `stat -L` on the host,
 * asked once per directory; where that command is missing, a hash of the file's first
 * bytes stands in (rotation starts a new file with a new first line). Resumed reads ask
 * the host for the tail only (base64, so no byte is lost in transit) and fall back to
 * reading the whole file.
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
        const head = (await session.readFile(path)).content.subarray(0, 256);
        identity = `head:${createHash('sha256').update(head).digest('hex')}`;
      }
      return { identity, size: st.size, mtimeMs: st.mtimeMs };
    },
    read: async (path, start = 0) => {
      if (!(await session.stat(path))) return undefined;
      if (start > 0) {
        const tail = await session.exec('sh', [
          '-c',
          'tail -c +"$1" -- "$2" | base64 -w0',
          'sh',
          String(start + 1),
          session.commandPath(path),
        ]);
        if (tail.code === 0) return Buffer.from(tail.stdout.trim(), 'base64');
      }
      return (await session.readFile(path)).content.subarray(start);
    },
  };
}
