import { posix } from 'node:path';
import type { FileAnswer, FileRequest } from './file-batch';
import type { FileOwnership, GuardedRead, PathGuard } from './file-primitives';
import type { HelperRunner } from './guarded-helper';
import { GuardedHelperFiles } from './guarded-helper';

/**
 * What the SSH transports (SFTP as root, sudo for a non-root account) share: every call that
 * reads a file a user could have planted, or creates, renames, removes or chowns one, goes to
 * the fixed guarded helper on the host. Subclasses add the metadata calls they carry
 * themselves.
 */
export abstract class HelperGuardedPrimitives {
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

  /** A scan's many reads and stats in one helper round trip (per batch cap), not one each. */
  many(requests: readonly FileRequest[]): Promise<FileAnswer[]> {
    return this.guarded.many(requests);
  }
}
