import type { FileAnswer, FileRequest } from './file-batch';
import type { DirEntry, FileStat } from './host-session';

/**
 * The few filesystem calls a transport must provide (node fs, SFTP, or `sudo` commands).
 * Everything with policy in it (change detection, backups, owners) is written once on top
 * of these in `atomic-write.ts` and `primitive-backed-session.ts`.
 *
 * The privilege discipline (docs/host-operations.md) lives in the guarded calls: each
 * resolves its path again, opening every directory below `guard.base` without following
 * symlinks and checking it the way sshd's StrictModes does, then works on the final name
 * relative to that open directory (never by path), creating and changing files only
 * through their descriptors. Local sessions do it with node fs, remote ones with the one
 * fixed helper in `guarded-helper.ts`.
 */
export interface FilePrimitives {
  /** null when missing; a final symlink is reported as a symlink. */
  lstat(path: string): Promise<FileStat | null>;
  /** null when missing (or a dangling symlink). */
  stat(path: string): Promise<FileStat | null>;
  /** Follows links: only for root's own files (/etc/passwd, sshd_config); see readGuarded. */
  read(path: string): Promise<Buffer>;
  readDir(path: string): Promise<DirEntry[]>;
  /** Reads a regular file without following any link below `guard.base`; null when missing. */
  readGuarded(path: string, guard: PathGuard): Promise<GuardedRead | null>;
  /**
   * Creates a NEW file (exclusive create, never through a symlink), sets its owner and mode
   * on the open descriptor, writes, and flushes it to disk before returning.
   */
  createFile(path: string, content: Buffer, owner: FileOwnership, guard: PathGuard): Promise<void>;
  /** Atomically replaces `to`, a name in the same directory (POSIX rename semantics). */
  rename(from: string, to: string, guard: PathGuard): Promise<void>;
  /** A missing name is not an error. */
  unlink(path: string, guard: PathGuard): Promise<void>;
  rmdir(path: string, guard: PathGuard): Promise<void>;
  /** Creates the directory, then sets owner and mode on the descriptor of the new directory. */
  mkdir(path: string, owner: FileOwnership, guard: PathGuard): Promise<void>;
  /** Makes a completed rename durable; transports that cannot do it may no-op. */
  syncDir(path: string, guard: PathGuard): Promise<void>;
  /**
   * Many read-only calls, answered in order with what each single call would return or
   * throw; a remote transport sends them in as few round trips as its caps allow.
   */
  many(requests: readonly FileRequest[]): Promise<FileAnswer[]>;
}

/**
 * How a guarded call may reach its path. Symlinks are followed only up to and including
 * `base` (root's layout, e.g. /home -> /srv/home); below it every component must be a real
 * directory. Every directory on the way, from the host root down, must be owned by root or
 * `trustedUid` and writable by no one else (a root-owned sticky directory such as /tmp is
 * accepted: no other user can rename or remove what root or the account owns in it).
 */
export interface PathGuard {
  base: string;
  trustedUid: number;
}

export interface GuardedRead {
  content: Buffer;
  /** Of the descriptor that was read (mtime to the second on remote transports). */
  stat: FileStat;
}

export interface FileOwnership {
  mode: number;
  uid: number;
  gid: number;
}

/** Maps a raw `st_mode` to our file type plus permission bits. */
export function describeMode(rawMode: number): { type: FileStat['type']; mode: number } {
  const format = rawMode & 0o170000;
  const type =
    format === 0o100000
      ? 'file'
      : format === 0o040000
        ? 'directory'
        : format === 0o120000
          ? 'symlink'
          : 'other';
  return { type, mode: rawMode & 0o7777 };
}
