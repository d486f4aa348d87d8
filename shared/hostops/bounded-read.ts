/**
 * Reading a host file only when its size is within a cap, and turning what could not be read
 * into a finding about that file. The size is taken from the stat of the file opened, before
 * the read, so a 3 GiB (even sparse) file is refused without a byte of it crossing the wire;
 * a file that grows meanwhile is refused after one byte past the cap. Non-regular files (a
 * FIFO, /dev/zero behind a link) are refused too: their size says nothing and a read may
 * never end. Each read is one capped read of the session (HostSession.readMany): one round
 * trip over SSH, and one for a whole list of files.
 */
import { errorCode, fileTooLarge, toErrorRecord } from '../errors';
import type {
  CappedReadOutcome,
  GuardedReadOptions,
  HostSession,
  ReadFileResult,
} from '../session/host-session';

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
  const [outcome] = await readBoundedFiles(session, [
    { path, maxBytes, what, ...(guarded ? { guarded } : {}) },
  ]);
  if (!outcome?.ok) throw outcome?.error;
  return outcome.read;
}

export interface BoundedReadRequest {
  path: string;
  maxBytes: number;
  /** Named in the FILE_TOO_LARGE message: "over the 1024-byte cap for <what>". */
  what?: string;
  guarded?: GuardedReadOptions;
}

/** Many bounded reads in one batch of the session; each outcome as readBoundedFile's. */
export async function readBoundedFiles(
  session: HostSession,
  requests: readonly BoundedReadRequest[],
): Promise<CappedReadOutcome[]> {
  if (requests.length === 0) return [];
  const outcomes = await session.readMany(
    requests.map(({ path, maxBytes, guarded }) => ({
      path,
      maxBytes,
      ...(guarded ? { guarded } : {}),
    })),
  );
  return outcomes.map((o, i) => {
    const r = requests[i]!;
    if (o.ok || errorCode(o.error) !== 'FILE_TOO_LARGE') return o;
    const size = (o.error as { details?: { size?: unknown } }).details?.size;
    const n = typeof size === 'number' ? size : r.maxBytes + 1;
    const message = `${r.path} is ${n} bytes, over the ${r.maxBytes}-byte cap for ${r.what ?? 'this kind of file'}: not read`;
    return {
      ok: false,
      error: fileTooLarge(message, { details: { path: r.path, size: n, limit: r.maxBytes } }),
    };
  });
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
