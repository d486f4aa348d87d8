/**
 * Reading a host file only when its size is within a cap, and turning what could not be read
 * into a finding about that file. The size is taken from a stat before the read, so a 3 GiB
 * (even sparse) file is refused without a byte of it crossing the wire; a file that grows
 * between the stat and the read is refused after it. Non-regular files (a FIFO, /dev/zero
 * behind a link) are refused too: their size says nothing and a read may never end.
 */
import { errorCode, fileTooLarge, limitExceeded, notFound, toErrorRecord } from '../errors';
import type { GuardedReadOptions, HostSession, ReadFileResult } from '../session/host-session';

/** Something about one input from the host that the operation could not, or would not, use. */
export interface HostFinding {
  /** A code from shared/errors.ts: FILE_TOO_LARGE, INCLUDE_CYCLE, LIMIT_EXCEEDED, ... */
  code: string;
  /** The host path the finding is about. */
  path: string;
  message: string;
  /** The account whose file it is, when it is one. */
  account?: string;
  /** For size findings: the file's size and the cap it exceeded, in bytes. */
  size?: number;
  limit?: number;
}

export async function readBoundedFile(
  session: HostSession,
  path: string,
  maxBytes: number,
  what = 'this kind of file',
  /** The privilege discipline's read (no link followed below a home), for files edited as root. */
  guarded?: GuardedReadOptions,
): Promise<ReadFileResult> {
  const st = await session.stat(path);
  if (!st) throw notFound(`${path} does not exist`, { details: { path } });
  if (st.type !== 'file') {
    throw limitExceeded(`${path} is not a regular file (${st.type}): not read`, {
      details: { path, type: st.type },
    });
  }
  const tooLarge = (size: number) =>
    fileTooLarge(`${path} is ${size} bytes, over the ${maxBytes}-byte cap for ${what}: not read`, {
      details: { path, size, limit: maxBytes },
    });
  if (st.size > maxBytes) throw tooLarge(st.size);
  const read = await session.readFile(path, guarded);
  if (read.content.length > maxBytes) throw tooLarge(read.content.length);
  return read;
}

/** The finding for an error a bounded read (or any read of one file) threw. */
export function findingOf(err: unknown, path: string, account?: string): HostFinding {
  const { code, message } = toErrorRecord(err);
  const details =
    err && typeof err === 'object' && 'details' in err
      ? (err.details as Record<string, unknown> | undefined)
      : undefined;
  const size = details?.['size'];
  const limit = details?.['limit'];
  return {
    code,
    path,
    message,
    ...(account !== undefined ? { account } : {}),
    ...(typeof size === 'number' ? { size } : {}),
    ...(typeof limit === 'number' ? { limit } : {}),
  };
}

/** Whether an error is about the one file (so the scan goes on) rather than the host or session. */
export function isFileFinding(err: unknown): boolean {
  const code = toErrorRecord(err).code;
  if (code === 'FILE_TOO_LARGE' || code === 'LIMIT_EXCEEDED' || code === 'NOT_FOUND') return true;
  // The file system's refusals about the one file (translated by fromNodeError, which keeps
  // the errno): permission denied, a directory, a link where a file was expected.
  const errno = (err as { details?: { errno?: unknown } } | null)?.details?.errno ?? errorCode(err);
  return code === 'PERMISSION_DENIED' || errno === 'EISDIR' || errno === 'ELOOP';
}
