/**
 * How far a blacklisted key's revocation has got: from the blacklist request to each host
 * confirming a revocation list that names the key (written, and sshd using it), the hosts
 * still pending with the state of their job, and the time to revoke once none is pending.
 */
import { notFound } from '../../shared/errors';
import { deployRevokedKeys } from '../jobs/deploy-revoked-keys';
import type { JobRecord } from '../store/records';
import type { Store } from '../store/store';
import { confirmationsOf } from './revocation-confirmations';
import { managedHostIds } from './revocation-hosts';

export interface RevocationStatus {
  fingerprint: string;
  reason: string;
  requestedBy: string;
  /** When the blacklist-keys job was queued (the blacklist entry's time if that job is purged). */
  requestedAt: number;
  jobId: string | null;
  confirmed: Array<{ hostId: string; confirmedAt: number; afterMs: number; sha256: string }>;
  /** Managed hosts that have not confirmed yet; `job` is their newest deploy-revoked-keys job of this request. */
  pending: Array<{
    hostId: string;
    job: { id: string; state: JobRecord['state']; error: string | null } | null;
  }>;
  /** When the last host confirmed, once no managed host is pending; else null. */
  completedAt: number | null;
  /** completedAt − requestedAt: request to last host confirmed. */
  timeToRevokeMs: number | null;
}

export async function revocationStatus(
  store: Pick<Store, 'inventory' | 'audit' | 'jobs' | 'hosts' | 'alerts'>,
  fingerprint: string,
): Promise<RevocationStatus> {
  const entry = await store.inventory.blacklist.get(fingerprint);
  if (!entry)
    throw notFound(`key ${fingerprint} is not blacklisted`, {
      details: { field: 'fingerprint', value: fingerprint },
    });
  const request = await requestOf(store, fingerprint);
  const requestedAt = request?.createdAt ?? entry.createdAt;
  const found = await confirmationsOf(store, fingerprint, requestedAt);
  const confirmed = [...found.values()]
    .map((c) => ({
      hostId: c.hostId,
      confirmedAt: c.at,
      afterMs: c.at - requestedAt,
      sha256: c.sha256,
    }))
    .sort((a, b) => a.confirmedAt - b.confirmedAt || a.hostId.localeCompare(b.hostId));
  const jobs = request ? await childJobs(store, request.id) : new Map<string, JobRecord>();
  const pending: RevocationStatus['pending'] = [];
  for (const hostId of await managedHostIds(store)) {
    if (found.has(hostId)) continue;
    const job = jobs.get(hostId);
    pending.push({
      hostId,
      job: job ? { id: job.id, state: job.state, error: job.error?.message ?? null } : null,
    });
  }
  const last = confirmed.at(-1);
  const completedAt = pending.length === 0 && last ? last.confirmedAt : null;
  return {
    fingerprint,
    reason: entry.reason,
    requestedBy: entry.createdBy,
    requestedAt,
    jobId: request?.id ?? null,
    confirmed,
    pending,
    completedAt,
    timeToRevokeMs: completedAt === null ? null : completedAt - requestedAt,
  };
}

/** The blacklist-keys job that added the entry (its audit entry names it), if still stored. */
async function requestOf(
  store: Pick<Store, 'audit' | 'jobs'>,
  fingerprint: string,
): Promise<JobRecord | null> {
  const page = await store.audit.list(
    { action: 'key.blacklisted', subject: fingerprint },
    { limit: 1 },
  );
  const jobId = page.items[0]?.details.jobId;
  return typeof jobId === 'string' ? store.jobs.get(jobId) : null;
}

/** The request's deploy-revoked-keys children by host (the newest per host). */
async function childJobs(store: Pick<Store, 'jobs'>, parentId: string) {
  const byHost = new Map<string, JobRecord>();
  let after: string | undefined;
  do {
    const page = await store.jobs.list(
      { parentId, type: [deployRevokedKeys.type] },
      { limit: 500, ...(after ? { after } : {}) },
    );
    for (const j of page.items) if (j.hostId) byHost.set(j.hostId, j);
    after = page.nextCursor ?? undefined;
  } while (after);
  return byHost;
}
