import { posix } from 'node:path';
import { notFound } from '../errors';
import { refuseSymlinks, requireHostPath, sha256Hex, writeFileAtomically } from './atomic-write';
import type { FilePrimitives } from './file-primitives';
import { withFileWriteLock } from './file-write-lock';
import type { FileRequest } from './file-batch';
import type {
  Account,
  CappedReadOutcome,
  CappedReadRequest,
  DirEntry,
  ExecOptions,
  ExecResult,
  FileStat,
  Group,
  GuardedReadOptions,
  HostSession,
  ListDirOutcome,
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
  /** Names the host's file system (host, port and root prefix): whose writes are serialised. */
  protected abstract readonly fileLockScope: string;
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
    return withFileWriteLock(`${this.fileLockScope}\0${path}`, () =>
      writeFileAtomically(this.files, path, bytes, opts, this.sessionOwner),
    );
  }

  stat(path: string): Promise<FileStat | null> {
    return this.files.stat(requireHostPath(path));
  }

  lstat(path: string): Promise<FileStat | null> {
    return this.files.lstat(requireHostPath(path));
  }

  async listDir(path: string): Promise<DirEntry[]> {
    return sortByName(await this.files.readDir(requireHostPath(path)));
  }

  async statMany(
    paths: readonly string[],
    opts: { follow?: boolean } = {},
  ): Promise<(FileStat | null)[]> {
    const op = opts.follow ? 'stat' : 'lstat';
    const answers = await this.files.many(paths.map((p) => ({ op, path: requireHostPath(p) })));
    return answers.map((a) => {
      if (a.error !== undefined) throw a.error;
      return a.stat ?? null;
    });
  }

  async listDirMany(paths: readonly string[]): Promise<ListDirOutcome[]> {
    const answers = await this.files.many(
      paths.map((p) => ({ op: 'readDir', path: requireHostPath(p) })),
    );
    return answers.map((a) =>
      a.error !== undefined
        ? { ok: false, error: a.error }
        : { ok: true, entries: sortByName(a.entries ?? []) },
    );
  }

  /**
   * Capped reads in one batch. A guarded read walks the way as readFile's does (no link
   * below `noSymlinksBelow`, StrictModes for the account); one that names no account
   * trusts the file's owner, known only from an lstat, so those cost a batch of lstats first.
   */
  async readMany(requests: readonly CappedReadRequest[]): Promise<CappedReadOutcome[]> {
    for (const r of requests) requireHostPath(r.path);
    const ownerless = requests.filter((r) => r.guarded && r.guarded.accountUid === undefined);
    const owners = new Map<string, number>();
    if (ownerless.length > 0) {
      const paths = ownerless.map((r) => r.path);
      const stats = await this.statMany(paths);
      paths.forEach((p, i) => owners.set(p, stats[i]?.uid ?? 0));
    }
    const batch: FileRequest[] = requests.map((r) => ({
      op: 'read',
      path: r.path,
      maxBytes: r.maxBytes,
      ...(r.guarded
        ? {
            guard: guardFor(
              r.path,
              r.guarded.noSymlinksBelow,
              r.guarded.accountUid ?? owners.get(r.path) ?? 0,
            ),
          }
        : {}),
    }));
    const answers = await this.files.many(batch);
    return answers.map((a) => {
      if (a.error !== undefined || !a.content || !a.stat) {
        return { ok: false, error: a.error ?? new Error('no answer') };
      }
      return {
        ok: true,
        read: { content: a.content, stat: a.stat, sha256: sha256Hex(a.content) },
      };
    });
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

function sortByName(entries: DirEntry[]): DirEntry[] {
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
