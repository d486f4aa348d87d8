import type { FileStat, HostSession } from '../session/host-session';

/**
 * The stats of many host paths (following links or not), asked in one batch of the session
 * (one round trip over SSH, per batch cap) instead of one file call each: a scan of a host
 * with hundreds of accounts would otherwise pay a network round trip per account and file.
 * Only the paths that exist are in the map.
 */
export async function statsOf(
  session: HostSession,
  paths: readonly string[],
  follow: boolean,
): Promise<Map<string, FileStat>> {
  const unique = [...new Set(paths)];
  const one = (p: string) => (follow ? session.stat(p) : session.lstat(p)).catch(() => null);
  // A path that cannot be stat'ed for another reason (a link loop a user planted) is absent,
  // as it is to sshd: it must not fail the scan of every other account.
  const stats = await session
    .statMany(unique, { follow })
    .catch(() => Promise.all(unique.map(one)));
  const found = new Map<string, FileStat>();
  unique.forEach((p, i) => {
    const st = stats[i];
    if (st) found.set(p, st);
  });
  return found;
}

/** Which of many host paths exist (following links), in one batch. */
export async function existingPaths(
  session: HostSession,
  paths: readonly string[],
): Promise<Set<string>> {
  return new Set((await statsOf(session, paths, true)).keys());
}
