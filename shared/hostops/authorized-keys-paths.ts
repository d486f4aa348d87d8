import { posix } from 'node:path';
import type { Account } from '../session/host-session';

/** sshd's default when the config says nothing. */
export const DEFAULT_AUTHORIZED_KEYS_FILES = ['.ssh/authorized_keys', '.ssh/authorized_keys2'];

/**
 * Expands one AuthorizedKeysFile value for an account the way sshd does (%% %h %u %U, and
 * relative paths taken from the home directory).
 */
export function expandAuthorizedKeysPath(pattern: string, account: Account): string {
  const expanded = pattern.replace(/%([%hUu])/g, (_, token: string) =>
    token === '%'
      ? '%'
      : token === 'h'
        ? account.home
        : token === 'u'
          ? account.name
          : String(account.uid),
  );
  return posix.normalize(expanded.startsWith('/') ? expanded : posix.join(account.home, expanded));
}

/** Whether a path lies inside the account's home: then the account owns it and links are refused. */
export function isUnderHome(path: string, account: Account): boolean {
  return account.home !== '/' && path.startsWith(`${posix.normalize(account.home)}/`);
}
