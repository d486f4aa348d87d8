import { createHash } from 'node:crypto';
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
  /**
   * SHA-256 (hex) of the content this host last confirmed at `path` (checked, reloaded and,
   * where a login check exists, logged in with). Only a file equal to that is left alone; an
   * equal file without it (an earlier attempt wrote it and stopped) is checked and reloaded.
   */
  confirmedSha256?: string;
}

/**
 * A fresh login to the host after the reload, on a connection of its own (the one the
 * deploy runs on survives a reload, so it proves nothing). Given only in-process by the
 * controller's SSH executors; an agent has no login to check.
 */
export type LoginCheck = () => Promise<{ ok: true } | { ok: false; reason: string }>;

export type DeploySshdConfigResult =
  | { status: 'unchanged' }
  | { status: 'applied'; written: boolean; reloaded: boolean; loginChecked: boolean }
  /** sshd -t refused the candidate before it replaced the live file: nothing was touched. */
  | { status: 'rejected'; stage: 'check'; output: string }
  | {
      status: 'rolled-back';
      stage: 'check' | 'reload' | 'login';
      output: string;
      /** What is back: the file read before this attempt, or the backup an earlier one left. */
      restored: 'previous' | 'backup' | 'removed';
    }
  /** The file was already this content and failed; no earlier version is known to put back. */
  | { status: 'failed-in-place'; stage: 'check' | 'reload' | 'login'; output: string };

export const sha256Hex = (s: string | Buffer): string =>
  createHash('sha256').update(s).digest('hex');

type Previous = { content: Buffer; mode: number; from: 'previous' | 'backup' } | 'absent';

/**
 * Writes a new sshd config so that it cannot strand the host: sshd itself judges the
 * candidate (`sshd -t`) before it replaces the live file and again in place, then the
 * reload, then (over SSH) a fresh login. When any step fails the previous file is put back
 * (and reloaded, once the reload ran). Every attempt does all of this unless the host
 * confirmed this exact content earlier, so a retry after an interrupted attempt that left
 * the file written but never checked or reloaded does not report `unchanged`.
 */
export async function deploySshdConfig(
  session: HostSession,
  params: DeploySshdConfigParams,
  loginCheck?: LoginCheck,
): Promise<DeploySshdConfigResult> {
  const path = params.path ?? '/etc/ssh/sshd_config';
  const main = params.mainConfigPath ?? path;
  const before = (await session.stat(path)) ? await session.readFile(path) : undefined;
  const inPlace = before !== undefined && before.sha256 === sha256Hex(params.content);
  if (inPlace && params.confirmedSha256 === before.sha256) return { status: 'unchanged' };

  let previous: Previous | undefined;
  if (inPlace) {
    // An earlier attempt wrote this file and stopped before it was confirmed: the backup it
    // left is what was there before.
    const bak = `${path}.keywarden-bak`;
    if (await session.stat(bak))
      previous = {
        content: (await session.readFile(bak)).content,
        mode: before.stat.mode,
        from: 'backup',
      };
  } else {
    // The main file can be judged before it goes live; an Included one only in place.
    if (main === path) {
      const candidate = await checkCandidate(session, params, path);
      if (candidate.code !== 0)
        return { status: 'rejected', stage: 'check', output: outputOf(candidate) };
    }
    const written = await session.writeFileAtomic(path, params.content, {
      ...(params.expectedSha256 !== undefined ? { expectedSha256: params.expectedSha256 } : {}),
      ...(before ? {} : { expectAbsent: true, mode: 0o644 }),
    });
    previous = before
      ? { content: before.content, mode: written.mode, from: 'previous' }
      : 'absent';
  }

  const undo = (stage: 'check' | 'reload' | 'login', output: string) =>
    rollback(session, params, { path, main, stage, output, previous, loginCheck });
  const check = await sshdCheck(session, params, main);
  if (check.code !== 0) return undo('check', outputOf(check));
  const written = !inPlace;
  if (!params.reloadCommand)
    return { status: 'applied', written, reloaded: false, loginChecked: false };
  const reload = await run(session, params.reloadCommand);
  if (reload.code !== 0) return undo('reload', outputOf(reload));
  if (!loginCheck) return { status: 'applied', written, reloaded: true, loginChecked: false };
  const login = await loginCheck();
  if (!login.ok) return undo('login', login.reason);
  return { status: 'applied', written, reloaded: true, loginChecked: true };
}

/** Puts the previous file back; once sshd was reloaded, reloads it again (if it passes sshd -t). */
async function rollback(
  session: HostSession,
  params: DeploySshdConfigParams,
  o: {
    path: string;
    main: string;
    stage: 'check' | 'reload' | 'login';
    output: string;
    previous: Previous | undefined;
    loginCheck: LoginCheck | undefined;
  },
): Promise<DeploySshdConfigResult> {
  const { previous, stage } = o;
  if (!previous)
    return {
      status: 'failed-in-place',
      stage,
      output: `${o.output}\n(no ${o.path}.keywarden-bak to put back)`.trim(),
    };
  if (previous === 'absent') await session.remove(o.path);
  else
    await session.writeFileAtomic(o.path, previous.content, { mode: previous.mode, backup: false });
  const notes: string[] = [];
  if (stage !== 'check' && params.reloadCommand) {
    // Reloading a file sshd refuses would stop the listener: leave the running sshd alone then.
    const again =
      previous === 'absent' && o.main === o.path ? null : await sshdCheck(session, params, o.main);
    if (again && again.code !== 0) {
      notes.push(
        `the previous file fails sshd -t too, so sshd was not reloaded: ${outputOf(again)}`,
      );
    } else {
      const reload = await run(session, params.reloadCommand);
      if (reload.code !== 0) notes.push(`reloading the previous file failed: ${outputOf(reload)}`);
      else if (stage === 'login' && o.loginCheck) {
        const login = await o.loginCheck();
        notes.push(login.ok ? 'login works again' : `login still fails: ${login.reason}`);
      }
    }
  }
  return {
    status: 'rolled-back',
    stage,
    output: [o.output, ...notes].join('\n').trim(),
    restored: previous === 'absent' ? 'removed' : previous.from,
  };
}

/** sshd -t of the content at a path of its own beside the live file, removed afterwards. */
async function checkCandidate(
  session: HostSession,
  params: DeploySshdConfigParams,
  path: string,
): Promise<ExecResult> {
  const candidate = `${path}.keywarden-new`;
  await session.writeFileAtomic(candidate, params.content, { mode: 0o600, backup: false });
  try {
    return await sshdCheck(session, params, candidate);
  } finally {
    await session.remove(candidate);
  }
}

function sshdCheck(
  session: HostSession,
  params: DeploySshdConfigParams,
  file: string,
): Promise<ExecResult> {
  return session.exec(
    params.sshdBinary ?? '/usr/sbin/sshd',
    ['-t', '-f', session.commandPath(file)],
    {
      timeoutMs: 30_000,
    },
  );
}

const outputOf = (r: ExecResult): string =>
  `${r.stdout}${r.stderr}`.trim() || `exit code ${r.code}`;

function run(session: HostSession, [cmd, ...args]: string[]): Promise<ExecResult> {
  return session.exec(cmd ?? 'false', args, { timeoutMs: 30_000 });
}
