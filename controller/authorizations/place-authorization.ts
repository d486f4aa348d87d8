/**
 * The body of add-authorizations and authorize-private-key-parent: one child per host the
 * grant reaches now, and a removal for each host it reached before but no longer does (a
 * group grant whose host left the group). Placements are marked pending (or removing) with
 * the parent's job id before the children are queued.
 */
import type { AwaitChildren, ChildJob, JobContext } from '../engine/job-definition';
import type { AuthorizationRecord } from '../store/authorization-records';
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
  const now = ctx.now();
  for (const hostId of hosts) {
    const before = byHost.get(hostId) ?? null;
    children.push(addChild(auth, hostId, before, await hostSshdConfig(ctx.store, hostId)));
    await ctx.store.authorizations.putPlacement({
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
    await ctx.store.authorizations.putPlacement({
      ...p,
      state: 'removing',
      jobId: ctx.job.id,
      updatedAt: now,
    });
  }
  if (children.length === 0) return { hosts: 0 };
  return ctx.spawnChildren(children);
}
