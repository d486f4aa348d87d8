import { constants, promises as fsp } from 'node:fs';
import type { Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { posix } from 'node:path';
import { fileChanged, fromNodeError, invalidInput } from '../errors';
import type { FileOwnership, FilePrimitives, GuardedRead, PathGuard } from './file-primitives';
import { describeMode } from './file-primitives';
import { translate, withGuardedParent } from './local-guarded-walk';
import { requireSameDirectory } from './path-guard';
import type { DirEntry, FileStat } from './host-session';
import { answerOneByOne, type FileAnswer, type FileRequest } from './file-batch';

/**
 * Node fs calls with every host path mapped under `rootPrefix`. Guarded calls walk to the
 * parent directory with `local-guarded-walk.ts` and work relative to its descriptor.
 */
export class LocalFilePrimitives implements FilePrimitives {
  constructor(private readonly rootPrefix: string) {}

  /** Host path to the real path on this machine. */
  real(path: string): string {
    return this.rootPrefix === '/' ? path : posix.join(this.rootPrefix, path);
  }

  /** System calls on this machine cost no round trip: one after another. */
  many(requests: readonly FileRequest[]): Promise<FileAnswer[]> {
    return answerOneByOne(this, requests);
  }

  lstat(path: string): Promise<FileStat | null> {
    return orNullWhenMissing(fsp.lstat(this.real(path)).then(toFileStat), path);
  }

  stat(path: string): Promise<FileStat | null> {
    return orNullWhenMissing(fsp.stat(this.real(path)).then(toFileStat), path);
  }

  read(path: string): Promise<Buffer> {
    return fsp.readFile(this.real(path)).catch((err: unknown) => {
      throw fromNodeError(err, path);
    });
  }

  async readDir(path: string): Promise<DirEntry[]> {
    const entries = await fsp
      .readdir(this.real(path), { withFileTypes: true })
      .catch((err: unknown) => {
        throw fromNodeError(err, path);
      });
    return entries.map((e) => ({
      name: e.name,
      type: e.isFile()
        ? 'file'
        : e.isDirectory()
          ? 'directory'
          : e.isSymbolicLink()
            ? 'symlink'
            : 'other',
    }));
  }

  async readGuarded(path: string, guard: PathGuard): Promise<GuardedRead | null> {
    return withGuardedParent(this.rootPrefix, path, guard, async (p) => {
      let handle: FileHandle;
      try {
        handle = await fsp.open(p.at(), FILE_NOFOLLOW);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw translate(err, p.path, path);
      }
      try {
        const st = toFileStat(await handle.stat());
        if (st.type !== 'file') {
          throw invalidInput(`${path} is a ${st.type}, not a regular file`, { details: { path } });
        }
        return { content: await handle.readFile(), stat: st };
      } finally {
        await handle.close();
      }
    });
  }

  async createFile(
    path: string,
    content: Buffer,
    owner: FileOwnership,
    guard: PathGuard,
  ): Promise<void> {
    await withGuardedParent(this.rootPrefix, path, guard, async (p) => {
      const flags =
        constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
      const handle = await fsp.open(p.at(), flags, 0o600).catch((err: unknown) => {
        // Our names are random: an existing one was put there by someone racing us.
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
          throw fileChanged(`${path} already exists`, { details: { path } });
        }
        throw translate(err, p.path, path);
      });
      try {
        // Owner before mode: chown clears setuid bits, and the mode must be final.
        await handle.chown(owner.uid, owner.gid);
        await handle.chmod(owner.mode);
        await handle.writeFile(content);
        await handle.sync();
      } finally {
        await handle.close();
      }
    });
  }

  async rename(from: string, to: string, guard: PathGuard): Promise<void> {
    requireSameDirectory(from, to);
    await withGuardedParent(this.rootPrefix, from, guard, (p) =>
      fsp.rename(p.at(), p.at(posix.basename(to))).catch((err: unknown) => {
        // Only a user with write access to the directory can have removed our new file.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        throw fileChanged(`${from} was removed before it could replace ${to}`, {
          details: { path: to },
        });
      }),
    );
  }

  async unlink(path: string, guard: PathGuard): Promise<void> {
    await withGuardedParent(this.rootPrefix, path, guard, (p) =>
      fsp.unlink(p.at()).catch((err: unknown) => {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }),
    );
  }

  async rmdir(path: string, guard: PathGuard): Promise<void> {
    await withGuardedParent(this.rootPrefix, path, guard, (p) => fsp.rmdir(p.at()));
  }

  async mkdir(path: string, owner: FileOwnership, guard: PathGuard): Promise<void> {
    await withGuardedParent(this.rootPrefix, path, guard, async (p) => {
      await fsp.mkdir(p.at(), { mode: 0o700 }).catch((err: unknown) => {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
          throw fileChanged(`${path} appeared while it was being created`, { details: { path } });
        }
        throw err;
      });
      // Change the directory we made, through its descriptor: if the name was swapped for a
      // link or another directory in between, the open or the owner check refuses it.
      const handle = await fsp.open(p.at(), DIR_NOFOLLOW).catch((err: unknown) => {
        throw fileChanged(`${path} changed while it was being created`, {
          cause: err,
          details: { path },
        });
      });
      try {
        if ((await handle.stat()).uid !== (process.geteuid?.() ?? 0)) {
          throw fileChanged(`${path} was replaced while it was being created`, {
            details: { path },
          });
        }
        await handle.chown(owner.uid, owner.gid);
        await handle.chmod(owner.mode);
      } finally {
        await handle.close();
      }
    });
  }

  async syncDir(path: string, guard: PathGuard): Promise<void> {
    await withGuardedParent(this.rootPrefix, path, guard, async (p) => {
      const handle = await fsp.open(p.at(), DIR_NOFOLLOW);
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    });
  }
}

const FILE_NOFOLLOW = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const DIR_NOFOLLOW =
  constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

function toFileStat(st: Stats): FileStat {
  const { type, mode } = describeMode(st.mode);
  return { type, mode, uid: st.uid, gid: st.gid, size: st.size, mtimeMs: st.mtimeMs };
}

async function orNullWhenMissing<T>(p: Promise<T>, path: string): Promise<T | null> {
  try {
    return await p;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw fromNodeError(err, path);
  }
}
