/**
 * sshd's account gate (auth.c allowed_user), applied before any key is looked at: DenyUsers,
 * AllowUsers, DenyGroups, AllowGroups, in that order. A refused account fails every method.
 *
 * Exports:
 * - `matchHostAndIp(host, ip, patterns)`: match.c match_host_and_ip (1 / 0 / -1 invalid).
 * - `matchUserPattern(user, host, ip, pattern)`: match.c match_user (`user@host` patterns).
 * - `accountRefusal(cfg, account, host, ip)`: the reason sshd logs, or null when allowed.
 */
import { matchAddressList, matchPattern, matchPatternList } from '../patterns';
import type { EffectiveSshdConfig } from '../sshd-config';
import type { AccessAccount } from './types';

/** As match_host_and_ip: a negated address or name match refuses; either positive admits. */
export function matchHostAndIp(host: string, ip: string, patterns: string): 1 | 0 | -1 {
  const mip = matchAddressList(ip, patterns);
  if (mip === -2) return -1;
  if (mip === -1) return 0;
  const mhost = matchPatternList(host, patterns, true);
  if (mhost === -1) return 0;
  return mhost === 0 && mip === 0 ? 0 : 1;
}

/** As match_user: `user` or `user@host-or-address-list`; the first `@` splits. */
export function matchUserPattern(
  user: string,
  host: string,
  ip: string,
  pattern: string,
): 1 | 0 | -1 {
  const at = pattern.indexOf('@');
  if (at === -1) return matchPattern(user, pattern) ? 1 : 0;
  if (!matchPattern(user, pattern.slice(0, at))) return 0;
  return matchHostAndIp(host, ip, pattern.slice(at + 1));
}

/** groupaccess.c ga_match: each argument is one pattern (no lists, no negation). */
function groupsMatch(groups: readonly string[], patterns: readonly string[]): boolean {
  return groups.some((g) => patterns.some((p) => matchPattern(g, p)));
}

export function accountRefusal(
  cfg: EffectiveSshdConfig,
  account: AccessAccount,
  host: string,
  ip: string,
): string | null {
  const denyUsers = cfg.args('DenyUsers') ?? [];
  const allowUsers = cfg.args('AllowUsers') ?? [];
  const denyGroups = cfg.args('DenyGroups') ?? [];
  const allowGroups = cfg.args('AllowGroups') ?? [];
  for (const p of denyUsers) {
    const r = matchUserPattern(account.name, host, ip, p);
    // sshd refuses to start on an invalid pattern; if it did run, it would stop here (fatal).
    if (r === -1) return `invalid DenyUsers pattern ${JSON.stringify(p)}`;
    if (r === 1) return `listed in DenyUsers (${p})`;
  }
  if (allowUsers.length > 0) {
    let listed = false;
    for (const p of allowUsers) {
      const r = matchUserPattern(account.name, host, ip, p);
      if (r === -1) return `invalid AllowUsers pattern ${JSON.stringify(p)}`;
      if (r === 1) {
        listed = true;
        break;
      }
    }
    if (!listed) return 'not listed in AllowUsers';
  }
  if (denyGroups.length > 0 || allowGroups.length > 0) {
    if (account.groups.length === 0) return 'not in any group';
    if (denyGroups.length > 0 && groupsMatch(account.groups, denyGroups)) {
      return 'a group is listed in DenyGroups';
    }
    if (allowGroups.length > 0 && !groupsMatch(account.groups, allowGroups)) {
      return "none of the user's groups are listed in AllowGroups";
    }
  }
  return null;
}
