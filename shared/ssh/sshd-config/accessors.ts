/**
 * Typed reads of the sshd settings Keywarden acts on, with sshd's defaults (OpenSSH 9).
 *
 * Exports:
 * - `SshdAccount`: `{ user, home, uid }`, what the path tokens expand to.
 * - `expandAuthorizedPath(pattern, account)`: `%%`, `%h`, `%U`, `%u`; relative paths under home.
 * - `authorizedKeysFilePatterns(cfg)`: AuthorizedKeysFile as written (default two files).
 * - `authorizedKeysFiles(cfg, account)`: the expanded absolute paths sshd reads ('none' skipped).
 * - `authorizedKeysCommand(cfg)`, `authorizedKeysCommandUser(cfg)`: string or undefined for none.
 * - `authorizedPrincipalsFile(cfg, account?)`: raw, or expanded when an account is given.
 * - `trustedUserCaKeys(cfg)`: path or undefined.
 * - `pubkeyAuthentication(cfg)`, `passwordAuthentication(cfg)`: booleans.
 * - `permitRootLogin(cfg)`: 'yes' | 'prohibit-password' | 'forced-commands-only' | 'no'.
 * - `hostKeys(cfg)`: HostKey paths; `ports(cfg)`: Port numbers.
 */
import type { EffectiveSshdConfig } from './effective';

export interface SshdAccount {
  user: string;
  home: string;
  uid: number;
}

export const DEFAULT_AUTHORIZED_KEYS_FILES = ['.ssh/authorized_keys', '.ssh/authorized_keys2'];
export const DEFAULT_HOST_KEYS = [
  '/etc/ssh/ssh_host_rsa_key',
  '/etc/ssh/ssh_host_ecdsa_key',
  '/etc/ssh/ssh_host_ed25519_key',
];

export type PermitRootLogin = 'yes' | 'prohibit-password' | 'forced-commands-only' | 'no';

export function expandAuthorizedPath(pattern: string, account: SshdAccount): string {
  const expanded = pattern.replace(/%([%hUu])/g, (_, t: string) =>
    t === '%' ? '%' : t === 'h' ? account.home : t === 'U' ? String(account.uid) : account.user,
  );
  // sshd (expand_authorized_keys) anchors relative paths at the home directory.
  return expanded.startsWith('/') ? expanded : `${account.home.replace(/\/$/, '')}/${expanded}`;
}

export function authorizedKeysFilePatterns(cfg: EffectiveSshdConfig): string[] {
  return cfg.first('AuthorizedKeysFile')?.args ?? DEFAULT_AUTHORIZED_KEYS_FILES;
}

export function authorizedKeysFiles(cfg: EffectiveSshdConfig, account: SshdAccount): string[] {
  return authorizedKeysFilePatterns(cfg)
    .filter((p) => p.toLowerCase() !== 'none')
    .map((p) => expandAuthorizedPath(p, account));
}

const noneToUndefined = (v: string | undefined): string | undefined =>
  v === undefined || v.toLowerCase() === 'none' ? undefined : v;

/** The command line as written after the keyword (sshd keeps it verbatim). */
export function authorizedKeysCommand(cfg: EffectiveSshdConfig): string | undefined {
  return noneToUndefined(cfg.first('AuthorizedKeysCommand')?.rest);
}

export function authorizedKeysCommandUser(cfg: EffectiveSshdConfig): string | undefined {
  return noneToUndefined(cfg.first('AuthorizedKeysCommandUser')?.args[0]);
}

export function authorizedPrincipalsFile(
  cfg: EffectiveSshdConfig,
  account?: SshdAccount,
): string | undefined {
  const raw = noneToUndefined(cfg.first('AuthorizedPrincipalsFile')?.args[0]);
  return raw === undefined || account === undefined ? raw : expandAuthorizedPath(raw, account);
}

export function trustedUserCaKeys(cfg: EffectiveSshdConfig): string | undefined {
  return noneToUndefined(cfg.first('TrustedUserCAKeys')?.args[0]);
}

function flag(cfg: EffectiveSshdConfig, keyword: string, fallback: boolean): boolean {
  const v = cfg.first(keyword)?.args[0]?.toLowerCase();
  return v === 'yes' ? true : v === 'no' ? false : fallback;
}

export function pubkeyAuthentication(cfg: EffectiveSshdConfig): boolean {
  return flag(cfg, 'PubkeyAuthentication', true);
}

export function passwordAuthentication(cfg: EffectiveSshdConfig): boolean {
  return flag(cfg, 'PasswordAuthentication', true);
}

export function permitRootLogin(cfg: EffectiveSshdConfig): PermitRootLogin {
  const v = cfg.first('PermitRootLogin')?.args[0]?.toLowerCase();
  if (v === 'without-password') return 'prohibit-password';
  if (v === 'yes' || v === 'no' || v === 'forced-commands-only' || v === 'prohibit-password')
    return v;
  return 'prohibit-password';
}

export function hostKeys(cfg: EffectiveSshdConfig): string[] {
  return cfg.args('HostKey') ?? DEFAULT_HOST_KEYS;
}

export function ports(cfg: EffectiveSshdConfig): number[] {
  const values = cfg.args('Port');
  return values === undefined ? [22] : values.map(Number);
}
