import type { DirEntry, FileStat } from './host-session';

/**
 * The few filesystem calls a transport must provide (node fs, SFTP, or `sudo` commands).
 * Everything with policy in it (symlink refusal, change detection, backups, owners) is
 * written once on top of these in `atomic-write.ts` and `primitive-backed-session.ts`.
 */
export interface FilePrimitives {
  /** null when missing; a final symlink is reported as a symlink. */
  lstat(path: string): Promise<FileStat | null>;
  /** null when missing (or a dangling symlink). */
  stat(path: string): Promise<FileStat | null>;
  read(path: string): Promise<Buffer>;
  readDir(path: string): Promise<DirEntry[]>;
  /**
   * Creates a NEW file (exclusive create, so never through a symlink), sets its owner and
   * mode on the open file, writes, and flushes it to disk before returning.
   */
  createFile(path: string, content: Buffer, owner: FileOwnership): Promise<void>;
  /** Atomically replaces `to` (POSIX rename semantics). */
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  rmdir(path: string): Promise<void>;
  mkdir(path: string, owner: FileOwnership): Promise<void>;
  /** Makes a completed rename durable; transports that cannot do it may no-op. */
  syncDir(path: string): Promise<void>;
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
