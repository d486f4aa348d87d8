import { constants, promises as fsp } from 'node:fs';
import type { Stats } from 'node:fs';
import { posix } from 'node:path';
import type { FileOwnership, FilePrimitives } from './file-primitives';
import { describeMode } from './file-primitives';
import type { DirEntry, FileStat } from './host-session';

/** Node fs calls with every host path mapped under `rootPrefix`. */
export class LocalFilePrimitives implements FilePrimitives {
  constructor(private readonly rootPrefix: string) {}

  /** Host path to the real path on this machine. */
  real(path: string): string {
    return this.rootPrefix === '/' ? path : posix.join(this.rootPrefix, path);
  }

  lstat(path: string): Promise<FileStat | null> {
    return orNullWhenMissing(fsp.lstat(this.real(path)).then(toFileStat));
  }

  stat(path: string): Promise<FileStat | null> {
    return orNullWhenMissing(fsp.stat(this.real(path)).then(toFileStat));
  }

  read(path: string): Promise<Buffer> {
    return fsp.readFile(this.real(path));
  }

  async readDir(path: string): Promise<DirEntry[]> {
    const entries = await fsp.readdir(this.real(path), { withFileTypes: true });
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

  async createFile(path: string, content: Buffer, owner: FileOwnership): Promise<void> {
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
    const handle = await fsp.open(this.real(path), flags, 0o600);
    try {
      // Owner before mode: chown clears setuid bits, and the mode must be final.
      await handle.chown(owner.uid, owner.gid);
      await handle.chmod(owner.mode);
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  rename(from: string, to: string): Promise<void> {
    return fsp.rename(this.real(from), this.real(to));
  }

  unlink(path: string): Promise<void> {
    return fsp.unlink(this.real(path));
  }

  rmdir(path: string): Promise<void> {
    return fsp.rmdir(this.real(path));
  }

  async mkdir(path: string, owner: FileOwnership): Promise<void> {
    const real = this.real(path);
    await fsp.mkdir(real, { mode: 0o700 });
    await fsp.lchown(real, owner.uid, owner.gid);
    await fsp.chmod(real, owner.mode);
  }

  async syncDir(path: string): Promise<void> {
    const handle = await fsp.open(this.real(path), constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}

function toFileStat(st: Stats): FileStat {
  const { type, mode } = describeMode(st.mode);
  return { type, mode, uid: st.uid, gid: st.gid, size: st.size, mtimeMs: st.mtimeMs };
}

async function orNullWhenMissing<T>(p: Promise<T>): Promise<T | null> {
  try {
    return await p;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw err;
  }
}
