/**
 * A policy's scope: which hosts (groups, name patterns) and which accounts it looks at.
 * Patterns are globs (`*` any run, `?` one character), matched against the whole name.
 */
import type { PolicyScope } from '../store/policy-records';
import type { HostInfo } from './policy-types';

const cache = new Map<string, RegExp>();

export function globToRegExp(glob: string): RegExp {
  let re = cache.get(glob);
  if (!re) {
    const body = glob
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.');
    re = new RegExp(`^${body}$`);
    cache.set(glob, re);
  }
  return re;
}

const anyMatch = (globs: string[], name: string) => globs.some((g) => globToRegExp(g).test(name));

export function hostInScope(scope: PolicyScope, host: HostInfo): boolean {
  if (scope.groupIds && (host.groupId === null || !scope.groupIds.includes(host.groupId)))
    return false;
  if (scope.hostNames && !anyMatch(scope.hostNames, host.hostName)) return false;
  return true;
}

/** A finding about no particular account (an sshd setting) is about the whole host: it stays. */
export function accountInScope(scope: PolicyScope, account: string | null): boolean {
  if (!scope.accounts || account === null) return true;
  return anyMatch(scope.accounts, account);
}
