import { posix } from 'node:path';
import { conflict, symlinkRefused, toErrorRecord, unsafePath } from '../errors';
import type { Account, HostSession } from '../session/host-session';
import { effectiveSshdConfig, type LoadedSshdConfig } from '../ssh/sshd-config';
import { expandAuthorizedKeysPath, isUnderHome } from './authorized-keys-paths';
import type { DeploySshdConfigParams, DeploySshdConfigResult } from './deploy-sshd-config';
import { deploySshdConfig, type LoginCheck } from './deploy-sshd-config';
import { existingPaths } from './existing-paths';
import type { ConfigReads } from './host-sshd-config';
import {
  DEFAULT_SSHD_CONFIG,
  keyFilesOf,
  loadHostSshdConfig,
  sshdViewByAccount,
} from './host-sshd-config';
import { setAuthorizedKeysFile } from './set-authorized-keys-file';

export interface RelocateUserKeysParams {
  /** Root-owned destination pattern (default /etc/ssh/authorized_keys/%u). */
  target?: string;
  /** Where the keys are read from now (default: the files sshd reads for each account). */
  currentFiles?: string[];
  /**
   * Relocate only these accounts. AuthorizedKeysFile is switched for everyone, so an account
   * left out that has keys would be locked out: that is refused (CONFLICT) unless
   * `othersMayLoseAccess` says it is intended.
   */
  accounts?: string[];
  othersMayLoseAccess?: boolean;
  sshdConfigPath?: string;
  reloadCommand?: DeploySshdConfigParams['reloadCommand'];
  sshdBinary?: string;
}

export interface RelocateUserKeysResult {
  copied: { account: string; from: string[]; to: string }[];
  /**
   * Source files nothing was copied from, because a user could have redirected them: a
   * symlink (SYMLINK_REFUSED), a file or directory on the way owned by another user or
   * writable by others (UNSAFE_PATH), not a regular file (INVALID_INPUT).
   */
  findings: RelocationFinding[];
  config: DeploySshdConfigResult;
  /** The config file and line that now set AuthorizedKeysFile (0: inserted at the top). */
  configFile: string;
  configLine: number;
  /** Match blocks with their own AuthorizedKeysFile: accounts they match are not switched. */
  overriddenInMatch: { file: string; line: number }[];
}

export interface RelocationFinding {
  account: string;
  file: string;
  code: string;
  message: string;
}

/**
 * Moves key control from users to root: each account's keys are copied (concatenated, bytes
 * unchanged) to a root-owned file, then sshd is switched to read only those through the
 * checked config deployment. The users' files are left in place, so a rollback loses nothing.
 */
export async function relocateUserKeys(
  session: HostSession,
  params: RelocateUserKeysParams = {},
  loginCheck?: LoginCheck,
): Promise<RelocateUserKeysResult> {
  const target = params.target ?? '/etc/ssh/authorized_keys/%u';
  const configPath = params.sshdConfigPath ?? DEFAULT_SSHD_CONFIG;
  const reads: ConfigReads = new Map();
  const loaded = await loadHostSshdConfig(session, configPath, reads);
  const { views } = await sshdViewByAccount(session, {
    loaded,
    ...(params.accounts ? { accounts: params.accounts } : {}),
  });
  if (params.accounts && !params.othersMayLoseAccess) {
    await refuseLockout(session, loaded, new Set(params.accounts));
  }
  const copied: RelocateUserKeysResult['copied'] = [];
  const findings: RelocationFinding[] = [];
  const present = await existingPaths(
    session,
    views.flatMap((v) => keyFilesOf(v, params.currentFiles)),
  );
  for (const view of views) {
    const { account } = view;
    const to = expandAuthorizedKeysPath(target, account);
    const sources = keyFilesOf(view, params.currentFiles);
    const parts: Buffer[] = [];
    const from: string[] = [];
    for (const file of new Set(sources)) {
      if (file === to || !present.has(file)) continue;
      const content = await readSource(session, account, file).catch((err: unknown) => {
        const { code, message } = toErrorRecord(err);
        if (!FINDING_CODES.has(code)) throw err;
        findings.push({ account: account.name, file, code, message });
        return null;
      });
      if (content === null) continue;
      parts.push(content);
      if (content.length && content[content.length - 1] !== 0x0a) parts.push(Buffer.from('\n'));
      from.push(file);
    }
    if (from.length === 0) continue;
    await session.mkdir(posix.dirname(to), { mode: 0o755, uid: 0, gid: 0, recursive: true });
    await session.writeFileAtomic(to, Buffer.concat(parts), { mode: 0o644, uid: 0, gid: 0 });
    copied.push({ account: account.name, from, to });
  }

  // The edit is computed from the bytes the parser read; the deployment refuses if they changed.
  const texts = new Map([...reads].map(([file, r]) => [file, r.text]));
  const change = setAuthorizedKeysFile(loaded, texts, configPath, [target]);
  const expectedSha256 = reads.get(change.file)?.sha256;
  const config = await deploySshdConfig(
    session,
    {
      path: change.file,
      mainConfigPath: configPath,
      content: change.content,
      ...(expectedSha256 !== undefined ? { expectedSha256 } : {}),
      ...(params.reloadCommand ? { reloadCommand: params.reloadCommand } : {}),
      ...(params.sshdBinary ? { sshdBinary: params.sshdBinary } : {}),
    },
    loginCheck,
  );
  return {
    copied,
    findings,
    config,
    configFile: change.file,
    configLine: change.line,
    overriddenInMatch: change.overriddenInMatch,
  };
}

const FINDING_CODES = new Set(['SYMLINK_REFUSED', 'UNSAFE_PATH', 'INVALID_INPUT']);

/**
 * The keys an account's file holds, read as root without trusting the user: the file is
 * read the guarded way (no link below the home followed, StrictModes on the way), and must
 * belong to the account or root, as sshd itself requires; the owner checked is that of
 * the descriptor read, so a file swapped in between is judged, not the one seen before.
 */
async function readSource(session: HostSession, account: Account, file: string) {
  const link = await session.lstat(file);
  if (link?.type === 'symlink') {
    throw symlinkRefused(`${file} is a symlink: nothing is copied through it`, {
      details: { path: file },
    });
  }
  const base = isUnderHome(file, account) ? account.home : '/';
  const read = await session.readFile(file, { noSymlinksBelow: base, accountUid: account.uid });
  if (read.stat.uid !== 0 && read.stat.uid !== account.uid) {
    throw unsafePath(
      `${file} is owned by uid ${read.stat.uid}, not ${account.name} or root: nothing is copied from it`,
      { details: { path: file, uid: read.stat.uid } },
    );
  }
  return read.content;
}

/** Accounts the global switch would move to a file they have no keys in. */
async function refuseLockout(
  session: HostSession,
  loaded: LoadedSshdConfig,
  listed: ReadonlySet<string>,
): Promise<void> {
  const global = effectiveSshdConfig(loaded).first('AuthorizedKeysFile');
  const { views } = await sshdViewByAccount(session, { loaded });
  // An account whose AuthorizedKeysFile comes from a Match block keeps it: not affected.
  const affected = views.filter((v) => {
    const own = v.config.first('AuthorizedKeysFile');
    return !listed.has(v.account.name) && own?.file === global?.file && own?.line === global?.line;
  });
  const withKeys = await existingPaths(
    session,
    affected.flatMap((v) => v.authorizedKeysFiles),
  );
  const losing = affected
    .filter((v) => v.authorizedKeysFiles.some((f) => withKeys.has(f)))
    .map((v) => v.account.name);
  if (losing.length === 0) return;
  throw conflict(
    `relocating only the listed accounts would lock out ${losing.length} other account(s) with keys (${losing.slice(0, 10).join(', ')}${losing.length > 10 ? ', ...' : ''}): list them too, or set othersMayLoseAccess`,
    { details: { field: 'accounts', losing } },
  );
}
