import { posix } from 'node:path';
import type { Client, SFTPWrapper } from 'ssh2';
import type { FilePrimitives } from './file-primitives';
import type { ExecOptions, ExecResult } from './host-session';
import { PrimitiveBackedSession } from './primitive-backed-session';
import { GUARDED_HELPER } from './guarded-helper';
import { HelperChannel } from './helper-channel';
import { SftpFilePrimitives } from './sftp-file-primitives';
import type { SshConnectOptions } from './ssh-connect';
import { connectSsh } from './ssh-connect';
import { commandLine, execOverSsh } from './ssh-exec';
import { SudoFilePrimitives } from './sudo-file-primitives';

export interface SshSessionOptions extends SshConnectOptions {
  /**
   * Run commands and file calls as root through `sudo -n` (non-interactive: a sudo that
   * wants a password fails instead of hanging). Default: when `username` is not root.
   */
  sudo?: boolean;
  /** Host paths are mapped under this remote directory (default '/'). */
  rootPrefix?: string;
}

/**
 * The controller's agentless session. As root, metadata and root's own files go through
 * SFTP; with sudo, every file call goes to the fixed helper run as root (an SFTP subsystem
 * would only have the account's rights). Guarded calls and batches always use the helper.
 */
export class SshSession extends PrimitiveBackedSession {
  readonly description: string;
  protected readonly sessionOwner = { uid: 0, gid: 0 };

  private constructor(
    private readonly client: Client,
    protected readonly files: FilePrimitives,
    private readonly useSudo: boolean,
    private readonly rootPrefix: string,
    description: string,
    protected readonly fileLockScope: string,
  ) {
    super();
    this.description = description;
  }

  static async connect(opts: SshSessionOptions): Promise<SshSession> {
    const client = await connectSsh(opts);
    const useSudo = opts.sudo ?? opts.username !== 'root';
    const rootPrefix = posix.resolve(opts.rootPrefix ?? '/');
    const description = `ssh:${opts.username}@${opts.host}:${opts.port ?? 22}${useSudo ? ' (sudo)' : ''}`;
    const serve = ['perl', '-e', GUARDED_HELPER, '--', 'serve'];
    const [cmd = 'perl', ...rest] = useSudo ? ['sudo', '-n', '--', ...serve] : serve;
    const helper = new HelperChannel(client, commandLine(cmd, rest)).run;
    try {
      const files = useSudo
        ? new SudoFilePrimitives(
            (script, args) =>
              execOverSsh(
                client,
                commandLine('sudo', ['-n', '--', 'sh', '-c', script, 'sh', ...args]),
              ),
            rootPrefix,
            helper,
          )
        : new SftpFilePrimitives(await openSftp(client), rootPrefix, helper);
      // the host as addressed, whoever logs in: root and a sudo account write the same files
      const scope = `ssh:${opts.host}:${opts.port ?? 22}:${rootPrefix}`;
      return new SshSession(client, files, useSudo, rootPrefix, description, scope);
    } catch (err) {
      client.end();
      throw err;
    }
  }

  async exec(cmd: string, args: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const line = this.useSudo
      ? commandLine('sudo', ['-n', '--', cmd, ...args])
      : commandLine(cmd, args);
    const raw = await execOverSsh(this.client, line, opts);
    return {
      code: raw.code,
      stdout: raw.stdout.toString('utf8'),
      stderr: raw.stderr.toString('utf8'),
    };
  }

  commandPath(path: string): string {
    return this.rootPrefix === '/' ? path : posix.join(this.rootPrefix, path);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      // A connection the server already dropped may never emit 'close' again.
      const timer = setTimeout(resolve, 2_000);
      this.client.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.client.end();
    });
  }
}

function openSftp(client: Client): Promise<SFTPWrapper> {
  return new Promise((resolve, reject) => {
    client.sftp((err, sftp) => (err ? reject(err) : resolve(sftp)));
  });
}
