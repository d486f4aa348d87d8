import { constants, promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { posix } from 'node:path';
import { fromNodeError, invalidInput, notFound } from '../errors';
import type { PathGuard } from './file-primitives';
import {
  componentsBelowBase,
  strictModesProblem,
  symlinkOnTheWay,
  unsafeDirectory,
} from './path-guard';

const DIR_NOFOLLOW =
  constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** An open directory and a name in it: every call on the name goes through `at`. */
export interface GuardedParent {
  dir: FileHandle;
  name: string;
  /** The host path, for messages. */
  path: string;
  /**
   * `/proc/self/fd/N/name`: the kernel resolves it inside the directory we hold open (like
   * openat(2)), so a directory renamed or swapped for a link since cannot redirect it.
   */
  at(name?: string): string;
}

/**
 * Opens the parent directory of `path` under `rootPrefix` the guarded way: links followed
 * only to `guard.base` (resolved first, then walked again like everything else), each
 * directory from the root prefix down opened with O_NOFOLLOW relative to the previous one
 * and checked with StrictModes rules on its descriptor, so the check and the use concern
 * the same directory.
 */
export async function openGuardedParent(
  rootPrefix: string,
  path: string,
  guard: PathGuard,
): Promise<GuardedParent> {
  const realRoot = await fsp.realpath(rootPrefix);
  let realBase: string;
  try {
    realBase = await fsp.realpath(posix.join(realRoot, guard.base));
  } catch (err) {
    throw translate(err, guard.base, path);
  }
  const fromRoot = realRoot === '/' ? realBase : posix.relative(realRoot, realBase);
  if (fromRoot.startsWith('..') || posix.isAbsolute(fromRoot) !== (realRoot === '/')) {
    throw symlinkOnTheWay(guard.base, path);
  }
  const { parts, name } = componentsBelowBase(fromRoot, guard, path);
  let dir = await fsp.open(realRoot, constants.O_RDONLY | constants.O_DIRECTORY);
  let shown = '/';
  try {
    await checkDirectory(dir, shown, guard, path);
    for (const part of parts) {
      shown = posix.join(shown, part);
      const at = `/proc/self/fd/${dir.fd}/${part}`;
      const next = await fsp.open(at, DIR_NOFOLLOW).catch(async (err: unknown) => {
        // O_NOFOLLOW|O_DIRECTORY on a link says ENOTDIR: look at what the name is.
        if ((await fsp.lstat(at).catch(() => null))?.isSymbolicLink()) {
          throw symlinkOnTheWay(shown, path);
        }
        throw translate(err, shown, path);
      });
      await dir.close();
      dir = next;
      await checkDirectory(dir, shown, guard, path);
    }
  } catch (err) {
    await dir.close();
    throw err;
  }
  const fd = dir.fd;
  return {
    dir,
    name,
    path: posix.join(shown, name),
    at: (n = name) => `/proc/self/fd/${fd}/${n}`,
  };
}

/** Runs `fn` on the guarded parent and always closes it. */
export async function withGuardedParent<T>(
  rootPrefix: string,
  path: string,
  guard: PathGuard,
  fn: (parent: GuardedParent) => Promise<T>,
): Promise<T> {
  const parent = await openGuardedParent(rootPrefix, path, guard);
  try {
    return await fn(parent);
  } catch (err) {
    // A raw errno leaves as the table's code (EACCES is PERMISSION_DENIED), never as itself.
    throw fromNodeError(err, path);
  } finally {
    await parent.dir.close();
  }
}

async function checkDirectory(dir: FileHandle, shown: string, guard: PathGuard, path: string) {
  const st = await dir.stat();
  const problem = strictModesProblem(st, guard.trustedUid);
  if (problem) throw unsafeDirectory(shown, problem, path);
}

/** errno of an open or realpath on the way to `path` turned into our codes. */
export function translate(err: unknown, where: string, path: string): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return notFound(`${where} does not exist`, { details: { path } });
  if (code === 'ELOOP') return symlinkOnTheWay(where, path);
  if (code === 'ENOTDIR') {
    return invalidInput(`${where} is not a directory; refusing ${path}`, {
      details: { path, where },
    });
  }
  return fromNodeError(err, path);
}
