import { posix } from 'node:path';
import {
  commandFailed,
  fileChanged,
  invalidInput,
  limitExceeded,
  notFound,
  symlinkRefused,
  unsafePath,
} from '../errors';
import type { BatchLimits, FileAnswer, FileRequest } from './file-batch';
import { BATCH_LIMITS, notRegular, overCap } from './file-batch';
import type { FileOwnership, GuardedRead, PathGuard } from './file-primitives';
import { describeMode } from './file-primitives';
import type { HelperRunner } from './guarded-helper-program';
import { decodeBatchAnswer, encodeBatch } from './helper-batch';
import type { DirEntry, FileStat } from './host-session';
import { requireSameDirectory } from './path-guard';
import type { RawExecResult } from './ssh-exec';

export { GUARDED_HELPER, type HelperRunner } from './guarded-helper-program';

/** The helper's answer code for a batch request it did not run (the batch reached a cap). */
const DEFERRED = 8;
const NO_GUARD: PathGuard = { base: '/', trustedUid: 0 };

/**
 * The file calls of remote transports that go to GUARDED_HELPER: the guarded ones, the
 * metadata ones for a sudo account, capped reads, and batches of read-only calls answered
 * in one round trip.
 */
export class GuardedHelperFiles {
  constructor(
    private readonly runHelper: HelperRunner,
    private readonly rootPrefix: string,
    private readonly limits: Readonly<BatchLimits> = BATCH_LIMITS,
  ) {}

  private args(op: string, path: string, guard: PathGuard, extra: string[] = []): string[] {
    return [op, this.rootPrefix, guard.base, path, String(guard.trustedUid), ...extra];
  }

  private async call(
    op: string,
    path: string,
    guard: PathGuard,
    extra: string[] = [],
    stdin?: Buffer,
  ): Promise<RawExecResult> {
    const result = await this.runHelper(this.args(op, path, guard, extra), stdin);
    if (result.code !== 0) throw errorOf(op, path, result);
    return result;
  }

  async readGuarded(path: string, guard: PathGuard): Promise<GuardedRead | null> {
    let out: Buffer;
    try {
      out = (await this.call('read', path, guard)).stdout;
    } catch (err) {
      if ((err as { code?: string }).code === 'NOT_FOUND') return null;
      throw err;
    }
    return withStat(out);
  }

  lstat(path: string): Promise<FileStat | null> {
    return this.statWith('lstat', path);
  }

  stat(path: string): Promise<FileStat | null> {
    return this.statWith('stat', path);
  }

  private async statWith(op: string, path: string): Promise<FileStat | null> {
    const result = await this.runHelper(this.args(op, path, NO_GUARD));
    if (result.code === 3) return null;
    if (result.code !== 0) throw errorOf(op, path, result);
    return parseStat(result.stdout.toString());
  }

  /** Root's own files, links followed (as `cat`). */
  async read(path: string): Promise<Buffer> {
    return withStat((await this.call('cat', path, NO_GUARD)).stdout).content;
  }

  async readDir(path: string): Promise<DirEntry[]> {
    return parseEntries((await this.call('readdir', path, NO_GUARD)).stdout);
  }

  async createFile(path: string, content: Buffer, owner: FileOwnership, guard: PathGuard) {
    await this.call('create', path, guard, ownerArgs(owner), content);
  }

  async rename(from: string, to: string, guard: PathGuard) {
    requireSameDirectory(from, to);
    await this.call('rename', from, guard, [posix.basename(to)]);
  }

  async unlink(path: string, guard: PathGuard) {
    await this.call('unlink', path, guard);
  }

  async rmdir(path: string, guard: PathGuard) {
    await this.call('rmdir', path, guard);
  }

  async mkdir(path: string, owner: FileOwnership, guard: PathGuard) {
    await this.call('mkdir', path, guard, ownerArgs(owner));
  }

  /** The helper's rename already flushed the directory it renamed in. */
  async syncDir(_path: string, _guard: PathGuard) {}

  /**
   * Many read-only calls in as few round trips as the caps allow: at most `requests` per
   * batch; what the helper deferred (the batch's bytes or time ran out) goes in the next.
   * The helper always runs a batch's first request, so every round makes progress.
   */
  async many(requests: readonly FileRequest[]): Promise<FileAnswer[]> {
    for (const r of requests) {
      if (r.op === 'read' && (!Number.isSafeInteger(r.maxBytes) || r.maxBytes < 0)) {
        throw invalidInput(`the byte cap of a read of ${r.path} must be a non-negative integer`, {
          details: { path: r.path, maxBytes: r.maxBytes },
        });
      }
    }
    const answers: FileAnswer[] = new Array<FileAnswer>(requests.length);
    let todo = requests.map((_, i) => i);
    while (todo.length > 0) {
      const round = todo.slice(0, this.limits.requests);
      const raw = await this.runBatch(round.map((i) => this.requestArgs(requests[i]!)));
      const deferred: number[] = [];
      round.forEach((index, k) => {
        const r = raw[k]!;
        if (r.code === DEFERRED) deferred.push(index);
        else answers[index] = this.answerOf(requests[index]!, r);
      });
      todo = [...deferred, ...todo.slice(round.length)];
    }
    return answers;
  }

  /** One batch, one round trip: each request's raw answer, in order. */
  async runBatch(args: string[][]): Promise<RawExecResult[]> {
    const { bytes, deadlineMs } = this.limits;
    const result = await this.runHelper(
      ['batch', String(bytes), String(deadlineMs)],
      encodeBatch(args),
    );
    if (result.code !== 0) throw errorOf('batch', '(batch)', result);
    return decodeBatchAnswer(result.stdout, args.length);
  }

  private requestArgs(r: FileRequest): string[] {
    if (r.op === 'lstat' || r.op === 'stat') return this.args(r.op, r.path, NO_GUARD);
    if (r.op === 'readDir') return this.args('readdir', r.path, NO_GUARD);
    // One capped file always fits a round trip's bytes.
    const cap = String(Math.min(r.maxBytes, this.limits.bytes));
    return r.guard
      ? this.args('read', r.path, r.guard, [cap])
      : this.args('cat', r.path, NO_GUARD, [cap]);
  }

  private answerOf(r: FileRequest, raw: RawExecResult): FileAnswer {
    try {
      if (r.op === 'lstat' || r.op === 'stat') {
        if (raw.code === 3) return { stat: null };
        if (raw.code !== 0) throw errorOf(r.op, r.path, raw);
        return { stat: parseStat(raw.stdout.toString()) };
      }
      if (r.op === 'readDir') {
        if (raw.code !== 0) throw errorOf('readdir', r.path, raw);
        return { entries: parseEntries(raw.stdout) };
      }
      if (raw.code === 9 || raw.code === 10) {
        const st = parseStat(raw.stdout.toString().split('\n')[0] ?? '');
        throw raw.code === 9 ? notRegular(r.path, st.type) : overCap(r.path, st.size, r.maxBytes);
      }
      if (raw.code !== 0) throw errorOf('read', r.path, raw);
      const read = withStat(raw.stdout);
      // Whatever the host says, nothing past the cap is handed on.
      if (read.content.length > r.maxBytes) {
        throw overCap(r.path, read.content.length, r.maxBytes);
      }
      return read;
    } catch (error) {
      return { error };
    }
  }
}

/** The error the helper's exit code stands for, its message from stderr. */
function errorOf(op: string, path: string, result: RawExecResult): unknown {
  const message = result.stderr.toString().trim() || `${op} ${path} failed`;
  const details = { details: { path } };
  switch (result.code) {
    case 3:
      return notFound(message, details);
    case 4:
      return symlinkRefused(message, details);
    case 5:
      return unsafePath(message, details);
    case 6:
      return invalidInput(message, details);
    case 7:
      return fileChanged(message, details);
    case 9:
      return limitExceeded(message, details);
    default:
      return commandFailed(`${op} failed on the host: ${message}`, {
        details: { path, code: result.code },
      });
  }
}

/** `<mode hex> <uid> <gid> <size> <mtime seconds>` as the helper prints a stat. */
function parseStat(line: string): FileStat {
  const [rawMode, uid, gid, size, mtime] = line.trim().split(' ');
  const { type, mode } = describeMode(parseInt(rawMode ?? '0', 16));
  return {
    type,
    mode,
    uid: Number(uid),
    gid: Number(gid),
    size: Number(size),
    mtimeMs: Math.round(Number(mtime) * 1000),
  };
}

/** A stat line, then the content. */
function withStat(out: Buffer): GuardedRead {
  const eol = out.indexOf(0x0a);
  return { stat: parseStat(out.subarray(0, eol).toString()), content: out.subarray(eol + 1) };
}

const TYPES: Record<string, DirEntry['type']> = { f: 'file', d: 'directory', l: 'symlink' };

function parseEntries(out: Buffer): DirEntry[] {
  return out
    .toString()
    .split('\0')
    .filter(Boolean)
    .map((entry) => ({ name: entry.slice(2), type: TYPES[entry[0] ?? ''] ?? 'other' }));
}

function ownerArgs(owner: FileOwnership): string[] {
  return [String(owner.uid), String(owner.gid), owner.mode.toString(8)];
}
