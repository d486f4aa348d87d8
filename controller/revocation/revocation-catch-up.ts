/**
 * A managed host that missed a revocation (offline, unreachable, its job failed) gets it at
 * its next run: when its agent connects or its configuration scan succeeds, a
 * deploy-revoked-keys job is queued unless the host's newest confirmed list already revokes
 * every blacklisted key. It reuses the params of the host's last deploy-revoked-keys job
 * (the reload command and paths the operator gave), and one dedupe key per host keeps a
 * burst of connections from queueing it twice.
 */
import type { JobContext } from '../engine/job-definition';
import { deployRevokedKeys } from '../jobs/deploy-revoked-keys';
import type { JobRecord } from '../store/records';
import { isCanonical } from './build-krl';
import { REVOKED_KEYS_AUDIT_ACTION } from './revocation-confirmations';
import { isRevocationHost } from './revocation-hosts';

type Ctx = Pick<JobContext, 'store' | 'enqueueByName'>;

export async function catchUpRevocation(ctx: Ctx, hostId: string): Promise<JobRecord | null> {
  const banned = await ctx.store.inventory.blacklist.list();
  if (banned.length === 0) return null;
  const host = await ctx.store.hosts.get(hostId);
  if (!host || !(await isRevocationHost(ctx.store, host))) return null;
  const newest = await ctx.store.audit.list(
    { action: REVOKED_KEYS_AUDIT_ACTION, subject: hostId },
    { limit: 1 },
  );
  const listed = new Set(newest.items[0]?.details.fingerprints as string[] | undefined);
  // A fingerprint no list can hold (see build-krl.ts) is not waited for.
  const wanted = banned.map((b) => b.fingerprint).filter(isCanonical);
  if (wanted.every((fp) => listed.has(fp))) return null;
  const last = await ctx.store.jobs.list({ hostId, type: [deployRevokedKeys.type] }, { limit: 1 });
  const { connection: _c, ...params } = (last.items[0]?.params ?? {}) as Record<string, unknown>;
  return ctx.enqueueByName({
    type: deployRevokedKeys.type,
    params: { ...params, hostId },
    hostId,
    trigger: 'event',
    dedupeKey: `deploy-revoked-keys:${hostId}`,
  });
}
