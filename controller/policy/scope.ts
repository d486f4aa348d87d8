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

const inApplications = (wanted: string[], ids: readonly string[] | undefined) =>
  ids !== undefined && ids.some((id) => wanted.includes(id));

export function hostInScope(scope: PolicyScope, host: HostInfo): boolean {
  if (scope.groupIds && (host.groupId === null || !scope.groupIds.includes(host.groupId)))
    return false;
  if (scope.hostNames && !anyMatch(scope.hostNames, host.hostName)) return false;
  if (scope.applicationIds) {
    const wanted = scope.applicationIds;
    if (![...(host.applications?.values() ?? [])].some((ids) => inApplications(wanted, ids)))
      return false;
  }
  return true;
}

/** A finding about no particular account (an sshd setting) is about the whole host: it stays. */
export function accountInScope(
  scope: PolicyScope,
  account: string | null,
  host?: HostInfo,
): boolean {
  if (account === null) return true;
  if (scope.accounts && !anyMatch(scope.accounts, account)) return false;
  if (scope.applicationIds) {
    const apps = host?.applications;
    return (
      inApplications(scope.applicationIds, apps?.get('')) ||
      inApplications(scope.applicationIds, apps?.get(account))
    );
  }
  return true;
}

/** Whether any of these policies needs the hosts' application memberships. */
export const needsApplications = (policies: ReadonlyArray<{ scope: PolicyScope }>): boolean =>
  policies.some((p) => p.scope.applicationIds !== undefined);
