import type { SFTPWrapper, Stats } from 'ssh2';
import { notFound, permissionDenied } from '../errors';
import type { FilePrimitives } from './file-primitives';
import { describeMode } from './file-primitives';
import type { HelperRunner } from './guarded-helper';
import { HelperGuardedPrimitives } from './helper-guarded-primitives';
import type { DirEntry, FileStat } from './host-session';
import { countRoundTrip } from './round-trips';

const SFTP_NO_SUCH_FILE = 2;
const SFTP_PERMISSION_DENIED = 3;

/**
 * An SFTP status as the table's code, as fromNodeError does for a local session, so the
 * same refusal reads the same on the agent and the agentless path.
 */
function fromSftpError(err: unknown, path: string): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  const opts = { cause: err, details: { path } };
  if (code === SFTP_NO_SUCH_FILE) return notFound(`${path} does not exist`, opts);
  if (code === SFTP_PERMISSION_DENIED)
    return permissionDenied(`permission denied on ${path}`, opts);
  return err;
}

/**
 * File calls for a root management account, host paths mapped under `rootPrefix`. SFTP
 * carries the metadata calls and root's own files (one channel, no process per call); it
 * has no O_NOFOLLOW open and resolves every path from the top, so whatever reads a planted
 * file or creates, renames, removes or chowns runs the fixed guarded helper instead.
 */
export class SftpFilePrimitives extends HelperGuardedPrimitives implements FilePrimitives {
  constructor(
    private readonly sftp: SFTPWrapper,
    rootPrefix: string,
    helper: HelperRunner,
  ) {
    super(rootPrefix, helper);
  }

  lstat(path: string): Promise<FileStat | null> {
    return orNullWhenMissing(
      call<Stats>((cb) => this.sftp.lstat(this.real(path), cb)).then(toFileStat),
      path,
    );
  }

  stat(path: string): Promise<FileStat | null> {
    return orNullWhenMissing(
      call<Stats>((cb) => this.sftp.stat(this.real(path), cb)).then(toFileStat),
      path,
    );
  }

  read(path: string): Promise<Buffer> {
    return call<Buffer>((cb) => this.sftp.readFile(this.real(path), cb)).catch((err: unknown) => {
      throw fromSftpError(err, path);
    });
  }

  async readDir(path: string): Promise<DirEntry[]> {
    const list = await call<{ filename: string; attrs: Stats }[]>((cb) =>
      this.sftp.readdir(this.real(path), cb),
    ).catch((err: unknown) => {
      throw fromSftpError(err, path);
    });
    return list.map((e) => ({ name: e.filename, type: describeMode(e.attrs.mode).type }));
  }
}

function call<T = void>(
  fn: (cb: (err: Error | undefined | null, value: T) => void) => void,
): Promise<T> {
  countRoundTrip('sftpRequests');
  return new Promise((resolve, reject) => {
    fn((err, value) => (err ? reject(err) : resolve(value)));
  });
}

function toFileStat(st: Stats): FileStat {
  const { type, mode } = describeMode(st.mode);
  return { type, mode, uid: st.uid, gid: st.gid, size: st.size, mtimeMs: st.mtime * 1000 };
}

async function orNullWhenMissing<T>(p: Promise<T>, path: string): Promise<T | null> {
  try {
    return await p;
  } catch (err) {
    if ((err as { code?: unknown }).code === SFTP_NO_SUCH_FILE) return null;
    throw fromSftpError(err, path);
  }
}
