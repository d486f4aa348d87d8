import type { HostSession } from '../session/host-session';
import { DEFAULT_AUTHORIZED_KEYS_FILES, expandAuthorizedKeysPath } from './authorized-keys-paths';
import type { DeploySshdConfigParams, DeploySshdConfigResult } from './deploy-sshd-config';
import { deploySshdConfig } from './deploy-sshd-config';

export interface RelocateUserKeysParams {
  /** Root-owned destination pattern (default /etc/ssh/authorized_keys/%u). */
  target?: string;
  /** Where the keys are read from now (default sshd's default files). */
  currentFiles?: string[];
  accounts?: string[];
  sshdConfigPath?: string;
  reloadCommand?: DeploySshdConfigParams['reloadCommand'];
}

export interface RelocateUserKeysResult {
  copied: { account: string; from: string[]; to: string }[];
  config: DeploySshdConfigResult;
}

/**
 * Moves key control from users to root: each account's keys are copied (concatenated, bytes
 * unchanged) to a root-owned file, then sshd is switched to read only those through the
 * checked config deployment. The users' files are left in place, so a rollback loses nothing.
 */
export async function relocateUserKeys(
  session: HostSession,
  params: RelocateUserKeysParams = {},
): Promise<RelocateUserKeysResult> {
  const target = params.target ?? '/etc/ssh/authorized_keys/%u';
  const wanted = params.accounts ? new Set(params.accounts) : undefined;
  const copied: RelocateUserKeysResult['copied'] = [];
  for (const account of await session.listAccounts()) {
    if (wanted && !wanted.has(account.name)) continue;
    const sources = [
      ...new Set(
        (params.currentFiles ?? DEFAULT_AUTHORIZED_KEYS_FILES).map((p) =>
          expandAuthorizedKeysPath(p, account),
        ),
      ),
    ];
    const parts: Buffer[] = [];
    const from: string[] = [];
    for (const file of sources) {
      if ((await session.stat(file))?.type !== 'file') continue;
      const { content } = await session.readFile(file);
      parts.push(
        content,
        content.length && content[content.length - 1] !== 0x0a
          ? Buffer.from('\n')
          : Buffer.alloc(0),
      );
      from.push(file);
    }
    if (from.length === 0) continue;
    const to = expandAuthorizedKeysPath(target, account);
    const dir = to.slice(0, to.lastIndexOf('/')) || '/';
    await session.mkdir(dir, { mode: 0o755, uid: 0, gid: 0, recursive: true });
    await session.writeFileAtomic(to, Buffer.concat(parts), { mode: 0o644, uid: 0, gid: 0 });
    copied.push({ account: account.name, from, to });
  }
  const configPath = params.sshdConfigPath ?? '/etc/ssh/sshd_config';
  const current = await session.readFile(configPath);
  const config = await deploySshdConfig(session, {
    path: configPath,
    content: withAuthorizedKeysFile(current.content.toString('utf8'), target),
    expectedSha256: current.sha256,
    ...(params.reloadCommand ? { reloadCommand: params.reloadCommand } : {}),
  });
  return { copied, config };
}

/**
 * Sets the global AuthorizedKeysFile: the first one before any Match block is replaced
 * (sshd uses the first value), or one is added at the top. Every other line is kept.
 */
export function withAuthorizedKeysFile(config: string, value: string): string {
  const lines = config.split('\n');
  const line = `AuthorizedKeysFile ${value}`;
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]?.trim() ?? '';
    if (/^match\s/i.test(text)) break;
    if (/^authorizedkeysfile[\s=]/i.test(text)) {
      lines[i] = line + (lines[i]?.endsWith('\r') ? '\r' : '');
      return lines.join('\n');
    }
  }
  return `${line}\n${config}`;
}
