/**
 * The one door through which host operations reach a host. Two implementations exist:
 * `LocalSession` (the agent, on the host itself) and `SshSession` (the controller's
 * agentless executor). Paths are always host paths as sshd sees them
 * (`/home/alice/.ssh/authorized_keys`), whatever root prefix a session maps them under.
 */

export type FileType = 'file' | 'directory' | 'symlink' | 'other';

export interface FileStat {
  type: FileType;
  /** Permission bits only (e.g. 0o600), without the file-type bits. */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Precision depends on the transport (SFTP gives whole seconds); compare within one session. */
  mtimeMs: number;
}

export interface DirEntry {
  name: string;
  type: FileType;
}

export interface ReadFileResult {
  content: Buffer;
  stat: FileStat;
  /** Hex SHA-256 of `content`: hand it back as `expectedSha256` to detect concurrent edits. */
  sha256: string;
}

export interface WriteFileOptions {
  /** Defaults: the existing file's mode, else 0o600. */
  mode?: number;
  /** Defaults: the existing file's owner, else the session user (root). */
  uid?: number;
  gid?: number;
  /** Refuse with FILE_CHANGED unless the current content still hashes to this. */
  expectedSha256?: string;
  /** Refuse with FILE_CHANGED unless the current mtime is still this (same session precision). */
  expectedMtimeMs?: number;
  /** Refuse with FILE_CHANGED if the file exists (it was absent when it was read). */
  expectAbsent?: boolean;
  /**
   * No path component strictly below this directory may be a symlink (SYMLINK_REFUSED).
   * Pass the account's home so a link planted inside it cannot redirect a root write;
   * default '/' checks every component.
   */
  noSymlinksBelow?: string;
  /** Keep the previous content as `<path>.keywarden-bak` (same owner and mode). Default true. */
  backup?: boolean;
  /**
   * The account whose home the file is in: directories it owns are trusted on the way
   * (StrictModes). Default: the file's owner. Any other non-root owner is UNSAFE_PATH.
   */
  accountUid?: number;
}

/**
 * A read of a file a user could have planted: nothing below `noSymlinksBelow` is followed
 * (SYMLINK_REFUSED), only a regular file is read, and every directory on the way passes
 * StrictModes for root or `accountUid` (default: the file's owner), else UNSAFE_PATH.
 */
export interface GuardedReadOptions {
  noSymlinksBelow: string;
  accountUid?: number;
}

/**
 * One read of a batch (HostSession.readMany): a capped read, as readBoundedFile makes it. A
 * missing file is NOT_FOUND, anything but a regular file LIMIT_EXCEEDED, a file over
 * `maxBytes` FILE_TOO_LARGE, all decided from the stat of the very file opened, before a
 * byte of it is read.
 */
export interface CappedReadRequest {
  path: string;
  maxBytes: number;
  /** The privilege discipline's read instead of one that follows links (see GuardedReadOptions). */
  guarded?: GuardedReadOptions;
}

/** The result of one read of a batch, or the error the single read would have thrown. */
export type CappedReadOutcome = { ok: true; read: ReadFileResult } | { ok: false; error: unknown };

/** The names in one directory of a batch (HostSession.listDirMany), or why there are none. */
export type ListDirOutcome = { ok: true; entries: DirEntry[] } | { ok: false; error: unknown };

export interface MkdirOptions {
  mode?: number;
  uid?: number;
  gid?: number;
  /** Create missing parents too (they get the same mode and owner). */
  recursive?: boolean;
}

export interface ExecOptions {
  stdin?: string | Buffer;
  timeoutMs?: number;
}

export interface ExecResult {
  /** Exit code; -1 when the command was killed (timeout) or could not start. */
  code: number;
  stdout: string;
  stderr: string;
}

export interface Account {
  name: string;
  uid: number;
  gid: number;
  gecos: string;
  home: string;
  shell: string;
}

export interface Group {
  name: string;
  gid: number;
  members: string[];
}

export interface HostSession {
  /** For logs and error messages: `local:/srv/host1` or `ssh:root@10.0.0.5:22`. */
  readonly description: string;
  /** Without options, follows links (root's own files); see GuardedReadOptions. */
  readFile(path: string, opts?: GuardedReadOptions): Promise<ReadFileResult>;
  writeFileAtomic(
    path: string,
    content: Buffer | string,
    opts?: WriteFileOptions,
  ): Promise<FileStat>;
  /** Follows symlinks; null when the path does not exist. */
  stat(path: string): Promise<FileStat | null>;
  /** Does not follow a final symlink; null when the path does not exist. */
  lstat(path: string): Promise<FileStat | null>;
  listDir(path: string): Promise<DirEntry[]>;
  /**
   * The batched forms, for operations that look at many files (scans): over SSH each batch is
   * one request to the host's file helper instead of one per file, within the caps on count,
   * bytes and time of file-batch.ts; the agent's local session just makes the calls. Results
   * come back in the order asked. A stat that fails for another reason than a missing path
   * throws, as the single call does.
   */
  statMany(paths: readonly string[], opts?: { follow?: boolean }): Promise<(FileStat | null)[]>;
  readMany(requests: readonly CappedReadRequest[]): Promise<CappedReadOutcome[]>;
  listDirMany(paths: readonly string[]): Promise<ListDirOutcome[]>;
  mkdir(path: string, opts?: MkdirOptions): Promise<void>;
  /**
   * Removes a file or an empty directory; a missing path is not an error. No component of
   * the path may be a symlink, and its directories must pass StrictModes for its owner.
   */
  remove(path: string): Promise<void>;
  /** Runs a command on the host (never through a shell on the local side). */
  exec(cmd: string, args: string[], opts?: ExecOptions): Promise<ExecResult>;
  /**
   * The path a command run through `exec` must be given to reach this host path: the same path,
   * unless the session maps host paths under a root prefix (tests running many hosts on one box).
   */
  commandPath(path: string): string;
  listAccounts(): Promise<Account[]>;
  listGroups(): Promise<Group[]>;
  close(): Promise<void>;
}
