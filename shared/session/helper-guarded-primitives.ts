import { posix } from 'node:path';
import { answerOneByOne, type FileAnswer, type FileRequest } from './file-batch';
import type { FileOwnership, FilePrimitives, GuardedRead, PathGuard } from './file-primitives';
import type { HelperRunner } from './guarded-helper';
import { GuardedHelperFiles } from './guarded-helper';
import { isHelperMissing } from './helper-channel';
import type { DirEntry, FileStat } from './host-session';

/**
 * What the SSH transports (SFTP as root, sudo for a non-root account) share: every call that
 * reads a file a user could have planted, or creates, renames, removes or chowns one, goes to
 * the fixed guarded helper on the host. Subclasses add the metadata calls they carry
 * themselves.
 */
export abstract class HelperGuardedPrimitives implements FilePrimitives {
  abstract lstat(path: string): Promise<FileStat | null>;
  abstract stat(path: string): Promise<FileStat | null>;
  abstract read(path: string): Promise<Buffer>;
  abstract readDir(path: string): Promise<DirEntry[]>;

  protected readonly guarded: GuardedHelperFiles;

  protected constructor(
    protected readonly rootPrefix: string,
    helper: HelperRunner,
  ) {
    this.guarded = new GuardedHelperFiles(helper, rootPrefix);
  }

  /** Host path to the path on the machine the session reaches. */
  protected real(path: string): string {
    return this.rootPrefix === '/' ? path : posix.join(this.rootPrefix, path);
  }

  readGuarded(path: string, guard: PathGuard): Promise<GuardedRead | null> {
    return this.guarded.readGuarded(path, guard);
  }

  createFile(path: string, content: Buffer, owner: FileOwnership, guard: PathGuard) {
    return this.guarded.createFile(path, content, owner, guard);
  }

  rename(from: string, to: string, guard: PathGuard) {
    return this.guarded.rename(from, to, guard);
  }

  unlink(path: string, guard: PathGuard) {
    return this.guarded.unlink(path, guard);
  }

  rmdir(path: string, guard: PathGuard) {
    return this.guarded.rmdir(path, guard);
  }

  mkdir(path: string, owner: FileOwnership, guard: PathGuard) {
    return this.guarded.mkdir(path, owner, guard);
  }

  syncDir(path: string, guard: PathGuard) {
    return this.guarded.syncDir(path, guard);
  }

  /**
   * A scan's many reads and stats in one helper round trip (per batch cap), not one each.
   * On a host without perl, the transport's own calls one by one: scans still work there,
   * only the guarded calls (edits) need the helper.
   */
  many(requests: readonly FileRequest[]): Promise<FileAnswer[]> {
    return this.viaHelper(
      () => this.guarded.many(requests),
      () => answerOneByOne(this, requests),
    );
  }

  private helperMissing = false;

  /** The helper's answer, or the fallback's once the host proved to have no helper. */
  protected async viaHelper<T>(helper: () => Promise<T>, fallback: () => Promise<T>): Promise<T> {
    if (this.helperMissing) return fallback();
    try {
      return await helper();
    } catch (err) {
      if (!isHelperMissing(err)) throw err;
      this.helperMissing = true;
      return fallback();
    }
  }
}
