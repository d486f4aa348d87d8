import type { ExecResult, HostSession } from '../session/host-session';

export interface DeploySshdConfigParams {
  /** Host path of the file to replace (default /etc/ssh/sshd_config). */
  path?: string;
  content: string;
  /** Refuse (FILE_CHANGED) if the file is no longer what the change was prepared against. */
  expectedSha256?: string;
  /** The file sshd -t must check (the main config, when `path` is an Include). */
  mainConfigPath?: string;
  /** e.g. ['systemctl', 'reload', 'ssh']; none: the change waits for the next restart. */
  reloadCommand?: string[];
  sshdBinary?: string;
}

export type DeploySshdConfigResult =
  | { status: 'unchanged' }
  | { status: 'applied'; reloaded: boolean }
  | { status: 'rolled-back'; stage: 'check' | 'reload'; output: string };

/**
 * Writes a new sshd config, lets sshd itself judge it (`sshd -t`), and reloads. When the
 * check or the reload fails the previous file is put back (and reloaded), so a bad change
 * never stays on a host where it could lock everyone out at the next restart.
 */
export async function deploySshdConfig(
  session: HostSession,
  params: DeploySshdConfigParams,
): Promise<DeploySshdConfigResult> {
  const path = params.path ?? '/etc/ssh/sshd_config';
  const before = (await session.stat(path)) ? await session.readFile(path) : undefined;
  if (before && before.content.toString('utf8') === params.content) return { status: 'unchanged' };
  const written = await session.writeFileAtomic(path, params.content, {
    ...(params.expectedSha256 !== undefined ? { expectedSha256: params.expectedSha256 } : {}),
    ...(before ? {} : { expectAbsent: true, mode: 0o644 }),
  });
  const rollback = async (stage: 'check' | 'reload', failed: ExecResult) => {
    if (before) {
      await session.writeFileAtomic(path, before.content, { mode: written.mode, backup: false });
    } else {
      await session.remove(path);
    }
    if (stage === 'reload' && params.reloadCommand) await run(session, params.reloadCommand);
    return {
      status: 'rolled-back' as const,
      stage,
      output: `${failed.stdout}${failed.stderr}`.trim(),
    };
  };

  const main = session.commandPath(params.mainConfigPath ?? path);
  const check = await session.exec(params.sshdBinary ?? '/usr/sbin/sshd', ['-t', '-f', main]);
  if (check.code !== 0) return rollback('check', check);
  if (!params.reloadCommand) return { status: 'applied', reloaded: false };
  const reload = await run(session, params.reloadCommand);
  if (reload.code !== 0) return rollback('reload', reload);
  return { status: 'applied', reloaded: true };
}

function run(session: HostSession, [cmd, ...args]: string[]): Promise<ExecResult> {
  return session.exec(cmd ?? 'false', args, { timeoutMs: 30_000 });
}
