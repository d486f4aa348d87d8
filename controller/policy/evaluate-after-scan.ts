/**
 * The hook scan jobs call after ingesting: when the scan changed what the inventory holds
 * for the host (items added or removed, sshd settings changed, logins seen), that host's
 * policies are evaluated at once. A failure here is logged and left to the next full
 * evaluation (internal-reporting): the scan itself did its work.
 */
import type { JobContext } from '../engine/job-definition';
import type { HostConfigRecord } from '../store/inventory-records';
import type { SyncResult } from '../store/inventory-store';
import { evaluateHostPolicies, type HostEvaluation } from './evaluate-host';

export type ScanChange = SyncResult | { changed: boolean };

const changedBy = (c: ScanChange) => ('changed' in c ? c.changed : c.added > 0 || c.removed > 0);

/** Whether a config scan changed the sshd settings policies read. */
export const settingsChanged = (
  before: HostConfigRecord | null,
  after: Pick<HostConfigRecord, 'settings' | 'entries'>,
): boolean =>
  !before ||
  JSON.stringify([before.settings, before.entries ?? null]) !==
    JSON.stringify([after.settings, after.entries ?? null]);

export async function evaluateAfterScan(
  ctx: Pick<JobContext, 'store' | 'now' | 'log'>,
  hostId: string,
  changes: ScanChange[],
): Promise<(Omit<HostEvaluation, 'hostId'> & { ms: number }) | { skipped: string }> {
  if (!changes.some(changedBy)) return { skipped: 'nothing changed' };
  const t0 = performance.now();
  try {
    const host = await ctx.store.hosts.get(hostId);
    const { hostId: _h, ...r } = await evaluateHostPolicies(ctx.store, hostId, {
      now: ctx.now(),
      reason: `cause gone after scan of ${host?.name ?? hostId}`,
    });
    return { ...r, ms: Math.round(performance.now() - t0) };
  } catch (err) {
    ctx.log.warn(
      { err, hostId },
      'policy evaluation after the scan failed; the next full evaluation catches up',
    );
    return { skipped: `evaluation failed: ${(err as Error).message}` };
  }
}
