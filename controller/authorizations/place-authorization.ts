/**
 * The body of add-authorizations and authorize-private-key-parent: one child per host the
 * grant reaches now, and a removal for each host it reached before but no longer does (a
 * group grant whose host left the group). Placements are marked pending (or removing) with
 * the parent's job id before the children are queued.
 */
import type { AwaitChildren, ChildJob, JobContext } from '../engine/job-definition';
import type { AuthorizationRecord, PlacementRecord } from '../store/authorization-records';
import { addChild, hostSshdConfig, removeChild } from './authorization-children';
import { placedOptions } from './placed-options';
import { targetHostIds } from './target-hosts';

export async function placeAuthorization(
  ctx: Pick<JobContext, 'store' | 'now' | 'job' | 'spawnChildren'>,
  auth: AuthorizationRecord,
): Promise<AwaitChildren | { hosts: number }> {
  const hosts = await targetHostIds(ctx.store, auth.target);
  const reached = new Set(hosts);
  const existing = await ctx.store.authorizations.listPlacements({ authorizationId: auth.id });
  const byHost = new Map(existing.map((p) => [p.hostId, p]));
  const children: ChildJob[] = [];
  const pending: PlacementRecord[] = [];
  const now = ctx.now();
  for (const hostId of hosts) {
    const before = byHost.get(hostId) ?? null;
    children.push(addChild(auth, hostId, before, await hostSshdConfig(ctx.store, hostId)));
    pending.push({
      authorizationId: auth.id,
      hostId,
      account: auth.account,
      fingerprint: auth.fingerprint,
      // What is on the host stays recorded until the child confirms the new line.
      options:
        before && before.state !== 'removed' && before.state !== 'blocked'
          ? before.options
          : placedOptions(auth),
      state: 'pending',
      jobId: ctx.job.id,
      confirmedAt: before?.confirmedAt ?? null,
      error: null,
      updatedAt: now,
    });
  }
  for (const p of existing) {
    if (reached.has(p.hostId) || p.state === 'removed' || p.state === 'blocked') continue;
    children.push(removeChild(auth, p, await hostSshdConfig(ctx.store, p.hostId)));
    pending.push({ ...p, state: 'removing', jobId: ctx.job.id, updatedAt: now });
  }
  // A retried parent whose children were queued by an earlier attempt keeps them (and what
  // they recorded since); otherwise one write for all placements, not one per host.
  const earlier =
    ctx.job.attempts > 1 &&
    Object.values(await ctx.store.jobs.countChildren(ctx.job.id)).some((n) => n > 0);
  if (!earlier) await ctx.store.authorizations.putPlacements(pending);
  if (children.length === 0) return { hosts: 0 };
  return ctx.spawnChildren(children);
}
