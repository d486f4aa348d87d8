import { posix } from 'node:path';
import { invalidInput, symlinkRefused, unsafePath } from '../errors';
import type { PathGuard } from './file-primitives';

/**
 * The guard for a privileged call on `path`: links may be followed only up to `base`, and
 * only when `base` is strictly above `path` (the name worked on is never followed).
 */
export function guardFor(path: string, base: string | undefined, trustedUid: number): PathGuard {
  const b = posix.normalize(base ?? '/');
  const below = b === '/' ? path !== '/' : path.startsWith(`${b}/`);
  return { base: below ? b : '/', trustedUid };
}

/** The components to open one by one, without following links, from the host root down. */
export function componentsBelowBase(realBaseFromRoot: string, guard: PathGuard, path: string) {
  const rel = posix.relative(guard.base, path);
  if (rel === '' || rel.startsWith('..')) {
    throw invalidInput(`${path} is not below ${guard.base}`, { details: { path } });
  }
  const parts = [...realBaseFromRoot.split('/'), ...rel.split('/')].filter(Boolean);
  const name = parts.pop();
  if (name === undefined) throw invalidInput(`no file name in ${path}`, { details: { path } });
  return { parts, name };
}

/**
 * sshd's StrictModes rule for a directory on the way to a file it trusts: owned by root or
 * the account, writable by no one else. One exception, because the kernel already enforces
 * it: a root-owned sticky directory (/tmp), where no other user can rename or remove an entry
 * owned by root or the account, so it cannot redirect the walk either.
 * The fixed remote helper (guarded-helper.ts) applies the same rule in perl.
 */
export function strictModesProblem(
  st: { uid: number; mode: number },
  trustedUid: number,
): string | null {
  if (st.uid !== 0 && st.uid !== trustedUid) {
    return `owned by uid ${st.uid}, not root or uid ${trustedUid}`;
  }
  const sticky = (st.mode & 0o1000) !== 0;
  if ((st.mode & 0o022) !== 0 && !(st.uid === 0 && sticky)) {
    return `writable by group or others (mode ${(st.mode & 0o7777).toString(8)})`;
  }
  return null;
}

export function unsafeDirectory(dir: string, problem: string, path: string) {
  return unsafePath(
    `refusing ${path}: directory ${dir} is ${problem}, so another user could redirect the access`,
    { details: { path, directory: dir, problem } },
  );
}

export function symlinkOnTheWay(link: string, path: string) {
  return symlinkRefused(`refusing to follow symlink ${link} on the way to ${path}`, {
    details: { path, symlink: link },
  });
}

/** Renames stay inside one directory, so one guarded walk covers both names. */
export function requireSameDirectory(from: string, to: string): void {
  if (posix.dirname(from) !== posix.dirname(to)) {
    throw invalidInput(`rename must stay in one directory: ${from} -> ${to}`, {
      details: { from, to },
    });
  }
}
