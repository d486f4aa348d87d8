import { posix } from 'node:path';
import type { SFTPWrapper, Stats } from 'ssh2';
import type { FileOwnership, FilePrimitives } from './file-primitives';
import { describeMode } from './file-primitives';
import type { DirEntry, FileStat } from './host-session';

const SFTP_NO_SUCH_FILE = 2;
const WRITE_CHUNK = 32 * 1024;

/** File calls over SFTP (the management account is root), host paths mapped under `rootPrefix`. */
export class SftpFilePrimitives implements FilePrimitives {
  constructor(
    private readonly sftp: SFTPWrapper,
    private readonly rootPrefix: string,
  ) {}

  private real(path: string): string {
    return this.rootPrefix === '/' ? path : posix.join(this.rootPrefix, path);
  }

  lstat(path: string): Promise<FileStat | null> {
    return orNullWhenMissing(
      call<Stats>((cb) => this.sftp.lstat(this.real(path), cb)).then(toFileStat),
    );
  }

  stat(path: string): Promise<FileStat | null> {
    return orNullWhenMissing(
      call<Stats>((cb) => this.sftp.stat(this.real(path), cb)).then(toFileStat),
    );
  }

  read(path: string): Promise<Buffer> {
    return call<Buffer>((cb) => this.sftp.readFile(this.real(path), cb));
  }

  async readDir(path: string): Promise<DirEntry[]> {
    const list = await call<{ filename: string; attrs: Stats }[]>((cb) =>
      this.sftp.readdir(this.real(path), cb),
    );
    return list.map((e) => ({ name: e.filename, type: describeMode(e.attrs.mode).type }));
  }

  async createFile(path: string, content: Buffer, owner: FileOwnership): Promise<void> {
    // 'wx' is SSH_FXF_EXCL: creation fails on any existing name, a symlink included.
    const handle = await call<Buffer>((cb) =>
      this.sftp.open(this.real(path), 'wx', { mode: 0o600 }, cb),
    );
    try {
      await call((cb) => this.sftp.fchown(handle, owner.uid, owner.gid, cb));
      await call((cb) => this.sftp.fchmod(handle, owner.mode, cb));
      for (let offset = 0; offset < content.length; offset += WRITE_CHUNK) {
        const length = Math.min(WRITE_CHUNK, content.length - offset);
        await call((cb) => this.sftp.write(handle, content, offset, length, offset, cb));
      }
      await this.fsync(handle);
    } finally {
      await call((cb) => this.sftp.close(handle, cb)).catch(() => undefined);
    }
  }

  private async fsync(handle: Buffer): Promise<void> {
    try {
      await call((cb) => this.sftp.ext_openssh_fsync(handle, cb));
    } catch (err) {
      // Servers without fsync@openssh.com: the rename is still atomic, only less durable.
      if (!/not supported/i.test((err as Error).message)) throw err;
    }
  }

  rename(from: string, to: string): Promise<void> {
    // Plain SFTP rename refuses an existing target; posix-rename replaces it atomically.
    return call((cb) => this.sftp.ext_openssh_rename(this.real(from), this.real(to), cb));
  }

  unlink(path: string): Promise<void> {
    return call((cb) => this.sftp.unlink(this.real(path), cb));
  }

  rmdir(path: string): Promise<void> {
    return call((cb) => this.sftp.rmdir(this.real(path), cb));
  }

  async mkdir(path: string, owner: FileOwnership): Promise<void> {
    const real = this.real(path);
    await call((cb) => this.sftp.mkdir(real, { mode: 0o700 }, cb));
    await call((cb) => this.sftp.chown(real, owner.uid, owner.gid, cb));
    await call((cb) => this.sftp.chmod(real, owner.mode, cb));
  }

  async syncDir(): Promise<void> {
    // SFTP cannot open a directory for fsync; the rename itself is atomic.
  }
}

function call<T = void>(
  fn: (cb: (err: Error | undefined | null, value: T) => void) => void,
): Promise<T> {
  return new Promise((resolve, reject) => {
    fn((err, value) => (err ? reject(err) : resolve(value)));
  });
}

function toFileStat(st: Stats): FileStat {
  const { type, mode } = describeMode(st.mode);
  return { type, mode, uid: st.uid, gid: st.gid, size: st.size, mtimeMs: st.mtime * 1000 };
}

async function orNullWhenMissing<T>(p: Promise<T>): Promise<T | null> {
  try {
    return await p;
  } catch (err) {
    if ((err as { code?: unknown }).code === SFTP_NO_SUCH_FILE) return null;
    throw err;
  }
}
