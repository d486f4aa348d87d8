import { posix } from 'node:path';
import { notFound } from '../errors';
import { refuseSymlinks, requireHostPath, sha256Hex, writeFileAtomically } from './atomic-write';
import type { FilePrimitives } from './file-primitives';
import type {
  Account,
  DirEntry,
  ExecOptions,
  ExecResult,
  FileStat,
  Group,
  GuardedReadOptions,
  HostSession,
  MkdirOptions,
  ReadFileResult,
  WriteFileOptions,
} from './host-session';
import { parseGroup, parsePasswd } from './passwd-files';
import { guardFor } from './path-guard';

/**
 * The file half of a HostSession, written once over a transport's `FilePrimitives`, so that
 * local, SFTP and sudo sessions share the same symlink, change and ownership rules.
 */
export abstract class PrimitiveBackedSession implements HostSession {
  abstract readonly description: string;
  protected abstract readonly files: FilePrimitives;
  /** Owner of files created without an explicit owner: the user the file calls run as. */
  protected abstract readonly sessionOwner: { uid: number; gid: number };

  abstract exec(cmd: string, args: string[], opts?: ExecOptions): Promise<ExecResult>;
  abstract commandPath(path: string): string;
  abstract close(): Promise<void>;

  async readFile(path: string, opts?: GuardedReadOptions): Promise<ReadFileResult> {
    requireHostPath(path);
    if (opts) return this.readGuarded(path, opts);
    const stat = await this.files.stat(path);
    if (!stat) throw notFound(`${path} does not exist`, { details: { path } });
    const content = await this.files.read(path);
    return { content, stat, sha256: sha256Hex(content) };
  }

  private async readGuarded(path: string, opts: GuardedReadOptions): Promise<ReadFileResult> {
    await refuseSymlinks(this.files, path, opts.noSymlinksBelow);
    const link = await this.files.lstat(path);
    if (!link) throw notFound(`${path} does not exist`, { details: { path } });
    const guard = guardFor(path, opts.noSymlinksBelow, opts.accountUid ?? link.uid);
    const read = await this.files.readGuarded(path, guard);
    if (!read) throw notFound(`${path} does not exist`, { details: { path } });
    // Owner, mode and size of what was read; the lstat's finer mtime (same file unless raced).
    const stat = { ...read.stat, mtimeMs: link.mtimeMs };
    return { content: read.content, stat, sha256: sha256Hex(read.content) };
  }

  writeFileAtomic(
    path: string,
    content: Buffer | string,
    opts: WriteFileOptions = {},
  ): Promise<FileStat> {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    return writeFileAtomically(this.files, path, bytes, opts, this.sessionOwner);
  }

  stat(path: string): Promise<FileStat | null> {
    return this.files.stat(requireHostPath(path));
  }

  lstat(path: string): Promise<FileStat | null> {
    return this.files.lstat(requireHostPath(path));
  }

  async listDir(path: string): Promise<DirEntry[]> {
    const entries = await this.files.readDir(requireHostPath(path));
    return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async mkdir(path: string, opts: MkdirOptions = {}): Promise<void> {
    requireHostPath(path);
    await refuseSymlinks(this.files, path);
    const existing = await this.files.lstat(path);
    if (existing?.type === 'directory') return;
    const parent = posix.dirname(path);
    if (opts.recursive && parent !== path && !(await this.files.lstat(parent))) {
      await this.mkdir(parent, opts);
    }
    const owner = {
      mode: opts.mode ?? 0o755,
      uid: opts.uid ?? this.sessionOwner.uid,
      gid: opts.gid ?? this.sessionOwner.gid,
    };
    await this.files.mkdir(path, owner, guardFor(path, '/', owner.uid));
  }

  async remove(path: string): Promise<void> {
    requireHostPath(path);
    await refuseSymlinks(this.files, posix.dirname(path));
    const st = await this.files.lstat(path);
    if (!st) return;
    const guard = guardFor(path, '/', st.uid);
    await (st.type === 'directory'
      ? this.files.rmdir(path, guard)
      : this.files.unlink(path, guard));
  }

  async listAccounts(): Promise<Account[]> {
    return parsePasswd((await this.files.read('/etc/passwd')).toString('utf8'));
  }

  async listGroups(): Promise<Group[]> {
    return parseGroup((await this.files.read('/etc/group')).toString('utf8'));
  }
}
