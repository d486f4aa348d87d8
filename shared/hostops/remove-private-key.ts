import { BACKUP_SUFFIX } from '../session/atomic-write';
import { invalidInput } from '../errors';
import type { HostSession } from '../session/host-session';

export interface RemovePrivateKeyResult {
  removed: string[];
}

/** Removes a private key, its .pub and the backups our writes left beside them. */
export async function removePrivateKey(
  session: HostSession,
  params: { path: string },
): Promise<RemovePrivateKeyResult> {
  const st = await session.lstat(params.path);
  if (st && st.type !== 'file') {
    throw invalidInput(`${params.path} is a ${st.type}, not a key file`, {
      details: { field: 'path', value: params.path },
    });
  }
  const removed: string[] = [];
  for (const path of [
    params.path,
    `${params.path}.pub`,
    `${params.path}${BACKUP_SUFFIX}`,
    `${params.path}.pub${BACKUP_SUFFIX}`,
  ]) {
    const found = await session.lstat(path);
    if (found?.type !== 'file') continue;
    await session.remove(path);
    removed.push(path);
  }
  return { removed };
}
