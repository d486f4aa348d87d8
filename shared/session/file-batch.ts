import { fileTooLarge, limitExceeded, notFound } from '../errors';
import type { FilePrimitives, PathGuard } from './file-primitives';
import type { DirEntry, FileStat } from './host-session';

/**
 * One read-only file call in a batch: what a scan asks of many files at once, so a transport
 * that reaches the host over the network can answer them all in one round trip.
 */
export type FileRequest =
  | { op: 'lstat'; path: string }
  | { op: 'stat'; path: string }
  | { op: 'readDir'; path: string }
  /** A capped read (see readCapped); with `guard`, the privilege discipline's read. */
  | { op: 'read'; path: string; maxBytes: number; guard?: PathGuard };

/** The answer to one FileRequest: what the single call returns, or the error it throws. */
export interface FileAnswer {
  /** lstat/stat: null when missing. read: the stat of the file read. */
  stat?: FileStat | null;
  entries?: DirEntry[];
  content?: Buffer;
  error?: unknown;
}

/**
 * What one round trip may carry. The helper on the host enforces the same count (MAX_BATCH
 * in guarded-helper.ts) and defers what goes past the bytes or the time; the controller
 * refuses an answer larger than the bytes plus one capped file.
 */
export interface BatchLimits {
  /** Requests in one round trip. */
  requests: number;
  /** Bytes of answers in one round trip (one capped file always fits: its cap is clamped). */
  bytes: number;
  /** Time one round trip may take on the host before the rest is deferred. */
  deadlineMs: number;
}

export const BATCH_LIMITS: Readonly<BatchLimits> = Object.freeze({
  requests: 1024,
  bytes: 8 * 1024 * 1024,
  deadlineMs: 10_000,
});

export function notRegular(path: string, type: string) {
  return limitExceeded(`${path} is not a regular file (${type}): not read`, {
    details: { path, type },
  });
}

export function overCap(path: string, size: number, maxBytes: number) {
  return fileTooLarge(`${path} is ${size} bytes, over the ${maxBytes}-byte cap: not read`, {
    details: { path, size, limit: maxBytes },
  });
}

/**
 * A capped read through single calls (node fs needs no batching): the size and type from a
 * stat before the read, so nothing past the cap is read, and the length checked after it.
 */
export async function readCappedBySteps(
  fs: FilePrimitives,
  path: string,
  maxBytes: number,
  guard?: PathGuard,
): Promise<{ content: Buffer; stat: FileStat }> {
  // A link is never followed by the guarded read: let it refuse the link itself.
  const st = guard ? await fs.lstat(path) : await fs.stat(path);
  if (!st) throw notFound(`${path} does not exist`, { details: { path } });
  if (st.type !== 'file' && !(guard && st.type === 'symlink')) throw notRegular(path, st.type);
  if (st.size > maxBytes) throw overCap(path, st.size, maxBytes);
  let read: { content: Buffer; stat: FileStat };
  if (guard) {
    const got = await fs.readGuarded(path, guard);
    if (!got) throw notFound(`${path} does not exist`, { details: { path } });
    read = got;
  } else {
    read = { content: await fs.read(path), stat: st };
  }
  if (read.content.length > maxBytes) throw overCap(path, read.content.length, maxBytes);
  return read;
}

/** Every request through the single calls, in order: the batch of a local session. */
export async function answerOneByOne(
  fs: FilePrimitives,
  requests: readonly FileRequest[],
): Promise<FileAnswer[]> {
  const answers: FileAnswer[] = [];
  for (const r of requests) {
    try {
      if (r.op === 'lstat') answers.push({ stat: await fs.lstat(r.path) });
      else if (r.op === 'stat') answers.push({ stat: await fs.stat(r.path) });
      else if (r.op === 'readDir') answers.push({ entries: await fs.readDir(r.path) });
      else answers.push(await readCappedBySteps(fs, r.path, r.maxBytes, r.guard));
    } catch (error) {
      answers.push({ error });
    }
  }
  return answers;
}
