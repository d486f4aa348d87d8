import { commandFailed } from '../errors';
import type { FilePrimitives } from './file-primitives';
import { describeMode } from './file-primitives';
import type { DirEntry, FileStat } from './host-session';
import type { HelperRunner } from './guarded-helper';
import { HelperGuardedPrimitives } from './helper-guarded-primitives';
import type { RawExecResult } from './ssh-exec';

/** Runs `sudo -n sh -c SCRIPT sh ARGS...` on the host and returns raw output. */
export type SudoShell = (script: string, args: string[], stdin?: Buffer) => Promise<RawExecResult>;

/** Exit status our scripts use for "no such file", distinct from sh and coreutils failures. */
const MISSING = 3;
const STAT_FORMAT = '%f %u %g %s %.3Y';

/**
 * File calls for a non-root management account: SFTP would run as that account, so every
 * call goes to the fixed helper (`guarded-helper.ts`), started once per session as root
 * through `sudo -n`. The metadata calls used to be a `sudo -n sh -c` each: an SSH channel,
 * a shell, sudo's PAM session and a coreutils process per stat, the cost that made an
 * agentless scan take hundreds of processes on the host. They still are on a host without
 * perl (the helper cannot start there), so reads and scans work everywhere. Paths travel as
 * arguments, never inside a script, so no path is parsed by a shell.
 */
export class SudoFilePrimitives extends HelperGuardedPrimitives implements FilePrimitives {
  constructor(
    private readonly sh: SudoShell,
    rootPrefix: string,
    helper: HelperRunner,
  ) {
    super(rootPrefix, helper);
  }

  lstat(path: string): Promise<FileStat | null> {
    return this.viaHelper(
      () => this.guarded.lstat(path),
      () => this.statWith('lstat', path, ''),
    );
  }

  stat(path: string): Promise<FileStat | null> {
    return this.viaHelper(
      () => this.guarded.stat(path),
      () => this.statWith('stat', path, '-L'),
    );
  }

  read(path: string): Promise<Buffer> {
    return this.viaHelper(
      () => this.guarded.read(path),
      async () => (await this.run('read', 'exec cat -- "$1"', [this.real(path)])).stdout,
    );
  }

  readDir(path: string): Promise<DirEntry[]> {
    return this.viaHelper(
      () => this.guarded.readDir(path),
      () => this.readDirByFind(path),
    );
  }

  private async run(what: string, script: string, args: string[]) {
    const result = await this.sh(script, args);
    if (result.code !== 0 && result.code !== MISSING) {
      throw commandFailed(`${what} failed on the host: ${result.stderr.toString().trim()}`, {
        details: { args, code: result.code },
      });
    }
    return result;
  }

  private async statWith(what: string, path: string, follow: string): Promise<FileStat | null> {
    // `-e` follows links, so a dangling link is missing for stat but present for lstat.
    const exists = follow ? '[ -e "$1" ]' : '{ [ -e "$1" ] || [ -L "$1" ]; }';
    const script = `${exists} || exit ${MISSING}; exec stat ${follow} -c '${STAT_FORMAT}' -- "$1"`;
    const result = await this.run(what, script, [this.real(path)]);
    if (result.code === MISSING) return null;
    const [rawMode, uid, gid, size, mtime] = result.stdout.toString().trim().split(' ');
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

  private async readDirByFind(path: string): Promise<DirEntry[]> {
    const script = `exec find "$1" -mindepth 1 -maxdepth 1 -printf '%y %f\\0'`;
    const out = (await this.run('list', script, [this.real(path)])).stdout.toString();
    const types: Record<string, DirEntry['type']> = { f: 'file', d: 'directory', l: 'symlink' };
    return out
      .split('\0')
      .filter(Boolean)
      .map((entry) => ({ name: entry.slice(2), type: types[entry[0] ?? ''] ?? 'other' }));
  }
}
