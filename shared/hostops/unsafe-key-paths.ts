import { posix } from 'node:path';
import type { Account, HostSession } from '../session/host-session';
import { strictModesProblem } from '../session/path-guard';
import { isUnderHome } from './authorized-keys-paths';
import { statsOf } from './existing-paths';

export interface UnsafeKeyPath {
  account: string;
  file: string;
  /** UNSAFE_PATH (a directory another user owns or can write) or SYMLINK_REFUSED (below the home). */
  code: 'UNSAFE_PATH' | 'SYMLINK_REFUSED';
  /** The directory that makes it unsafe. */
  directory: string;
  message: string;
}

/**
 * Key files another user could rewrite or redirect, judged as sshd's StrictModes judges
 * them: every directory from / to the file owned by root or the account and writable by
 * no one else (a root-owned sticky directory such as /tmp passes), no link below the home.
 * sshd ignores such a file when StrictModes is on, and every edit of it is refused
 * (UNSAFE_PATH), so a scan reports it per account instead. This is a report from metadata
 * read in one batch of lstats; the edits enforce it on descriptors.
 */
export async function unsafeKeyPaths(
  session: HostSession,
  files: readonly { account: Account; file: string }[],
): Promise<UnsafeKeyPath[]> {
  const dirsOf = (file: string) => ancestors(posix.dirname(file));
  const stats = await statsOf(
    session,
    files.flatMap((f) => dirsOf(f.file)),
    false,
  );
  const found: UnsafeKeyPath[] = [];
  for (const { account, file } of files) {
    const home = isUnderHome(file, account) ? posix.normalize(account.home) : undefined;
    for (const dir of dirsOf(file)) {
      const st = stats.get(dir);
      if (!st) break; // gone meanwhile: nothing below to judge
      const report = (code: UnsafeKeyPath['code'], why: string) =>
        found.push({
          account: account.name,
          file,
          code,
          directory: dir,
          message: `${file}: ${dir} ${why}, so another user could rewrite or redirect it`,
        });
      if (st.type === 'symlink') {
        // Links at or above the home are root's layout (/home -> /srv/home).
        if (home !== undefined && dir.startsWith(`${home}/`)) {
          report('SYMLINK_REFUSED', 'is a symlink below the home');
          break;
        }
        continue;
      }
      const problem = strictModesProblem(st, account.uid);
      if (problem) {
        report('UNSAFE_PATH', `is ${problem}`);
        break;
      }
    }
  }
  return found;
}

/** `/a/b` -> `/`, `/a`, `/a/b`: the directories walked from the top. */
function ancestors(dir: string): string[] {
  const out = ['/'];
  let current = '/';
  for (const part of dir.split('/').filter(Boolean)) {
    current = posix.join(current, part);
    out.push(current);
  }
  return out;
}
