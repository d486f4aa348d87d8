import type { HostSession } from '../session/host-session';

const CHUNK = 500;
const SCRIPT = 'for p do if [ -e "$p" ]; then printf "%s\\0" "$p"; fi; done';

/**
 * Which of many host paths exist (following links), in one command per 500 paths instead
 * of one file call each: a scan of a host with hundreds of accounts would otherwise pay a
 * network round trip per account and file. Falls back to a stat per path when the host
 * cannot run the command.
 */
export async function existingPaths(
  session: HostSession,
  paths: readonly string[],
): Promise<Set<string>> {
  const unique = [...new Set(paths)];
  const found = new Set<string>();
  for (let i = 0; i < unique.length; i += CHUNK) {
    const chunk = unique.slice(i, i + CHUNK);
    const byCommandPath = new Map(chunk.map((p) => [session.commandPath(p), p]));
    const out = await session.exec('sh', ['-c', SCRIPT, 'sh', ...byCommandPath.keys()]);
    if (out.code === 0) {
      for (const p of out.stdout.split('\0')) {
        const host = byCommandPath.get(p);
        if (host !== undefined) found.add(host);
      }
      continue;
    }
    for (const p of chunk) if (await session.stat(p)) found.add(p);
  }
  return found;
}
