import { resolve } from 'node:path';
import { LocalFilePrimitives } from './local-file-primitives';
import type { ExecOptions, ExecResult } from './host-session';
import { PrimitiveBackedSession } from './primitive-backed-session';
import { runLocalCommand } from './run-local-command';

export interface LocalSessionOptions {
  /**
   * Every host path is read and written under this directory (default '/'), so tests can
   * run many "hosts" on one machine. Commands still run on the real system.
   */
  rootPrefix?: string;
}

/** The agent's session: the host it runs on. */
export class LocalSession extends PrimitiveBackedSession {
  readonly description: string;
  protected readonly files: LocalFilePrimitives;
  protected readonly sessionOwner: { uid: number; gid: number };
  protected readonly fileLockScope: string;

  constructor(opts: LocalSessionOptions = {}) {
    super();
    const rootPrefix = resolve(opts.rootPrefix ?? '/');
    this.files = new LocalFilePrimitives(rootPrefix);
    this.description = `local:${rootPrefix}`;
    this.fileLockScope = this.description;
    this.sessionOwner = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
  }

  exec(cmd: string, args: string[], opts?: ExecOptions): Promise<ExecResult> {
    return runLocalCommand(cmd, args, opts);
  }

  commandPath(path: string): string {
    return this.files.real(path);
  }

  async close(): Promise<void> {}
}
