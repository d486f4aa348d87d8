import type { FilePrimitives } from './file-primitives';
import type { DirEntry, FileStat } from './host-session';
import type { HelperRunner } from './guarded-helper';
import { HelperGuardedPrimitives } from './helper-guarded-primitives';

/**
 * File calls for a non-root management account: SFTP would run as that account, so every
 * call goes to the fixed helper (`guarded-helper.ts`), started once per session as root
 * through `sudo -n`. The metadata calls used to be a `sudo -n sh -c` each: an SSH channel,
 * a shell, sudo's PAM session and a coreutils process per stat, the cost that made an
 * agentless scan take hundreds of processes on the host. Paths travel as arguments on the
 * helper's input, never inside a script, so no path is parsed by a shell.
 */
export class SudoFilePrimitives extends HelperGuardedPrimitives implements FilePrimitives {
  constructor(rootPrefix: string, helper: HelperRunner) {
    super(rootPrefix, helper);
  }

  lstat(path: string): Promise<FileStat | null> {
    return this.guarded.lstat(path);
  }

  stat(path: string): Promise<FileStat | null> {
    return this.guarded.stat(path);
  }

  read(path: string): Promise<Buffer> {
    return this.guarded.read(path);
  }

  readDir(path: string): Promise<DirEntry[]> {
    return this.guarded.readDir(path);
  }
}
