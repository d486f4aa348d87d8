import type { ScanAuthorizedKeysResult } from '../../shared/hostops/scan-authorized-keys';
import type { JobContext } from '../engine/job-definition';
import { ingestAuthorizedKeys } from './ingest-scans';

/**
 * After an edit, reads the edited accounts' keys back from the host: the inventory then
 * holds what the file says (line numbers, options, who wrote each line), not what the job
 * meant to write.
 */
export async function rescanAccounts(
  ctx: Pick<JobContext, 'runOnHost' | 'store' | 'now'>,
  hostId: string,
  accounts: string[] | undefined,
  sshdConfigPath: string | undefined,
): Promise<ScanAuthorizedKeysResult> {
  // Before the host is read: the inventory keeps what edits record after this.
  const observedAt = ctx.now();
  const scan = await ctx.runOnHost('scan-authorized-keys', {
    ...(accounts ? { accounts } : {}),
    ...(sshdConfigPath ? { sshdConfigPath } : {}),
  });
  await ingestAuthorizedKeys(ctx.store, hostId, scan, observedAt, accounts);
  return scan;
}
