/**
 * The authorization behind an access grant: made as an admin's would be (create-authorization.ts),
 * with the access group's options and source restriction, and — for an access group with a
 * schedule — an expiry at the end of the open window, written as OpenSSH `expiry-time=` so
 * sshd refuses the key after it even when the controller is down or the removal never reaches
 * the host. A standing grant follows its windows: at a window's close its authorization is
 * removed (remove-authorization, reason expired), at the next opening a new one is made. A
 * controller that was down at an opening or a closing does it at its next run.
 */
import { createAuthorization } from '../authorizations/create-authorization';
import type { JobContext } from '../engine/job-definition';
import type { JobQueue } from '../engine/job-queue';
import { removeAuthorization } from '../jobs/remove-authorization';
import type { AuthorizedKeyOption } from '../../shared/ssh/authorized-key-options';
import type { AccessGrantRecord, AccessGroupRecord } from '../store/directory-records';
import { newId } from '../store/ids';
import type { OpenWindow } from './access-windows';

/** How long a window's opening waits for the previous window's line to be taken off. */
export const REMOVAL_WAIT_MS = 5 * 60_000;

async function stillPlaced(ctx: JobContext, authorizationId: string): Promise<boolean> {
  const placements = await ctx.store.authorizations.listPlacements({ authorizationId });
  return placements.some((p) => ['pending', 'present', 'removing'].includes(p.state));
}

/** The options every grant of the access group carries: its own, then `from=` of its sources. */
export const grantOptions = (g: AccessGroupRecord): AuthorizedKeyOption[] =>
  g.from?.length ? [...g.options, { name: 'from', value: g.from.join(',') }] : g.options;

export async function authorizeGrant(
  ctx: JobContext,
  g: AccessGroupRecord,
  publicKey: string,
  window: OpenWindow | null,
  authorizationId: string,
): Promise<{ authorizationId: string; jobId: string }> {
  const queue: Pick<JobQueue, 'enqueueByName'> = {
    enqueueByName: async (type, params, opts) => ({
      job: await ctx.enqueueByName({ type, params, trigger: opts.trigger }),
      created: true,
    }),
  };
  const { authorization, jobId } = await createAuthorization(
    { store: ctx.store, queue },
    {
      publicKey,
      account: g.account,
      groupId: g.hostGroupId,
      options: grantOptions(g),
      ...(window ? { expiresAt: window.end } : {}),
    },
    ctx.job.createdBy,
    ctx.now(),
    'event',
    authorizationId,
  );
  return { authorizationId: authorization.id, jobId };
}

export async function auditGrant(
  ctx: JobContext,
  action: 'access-group.granted' | 'access-group.window-closed',
  grant: AccessGrantRecord,
  window: OpenWindow | null,
): Promise<void> {
  await ctx.store.audit.append({
    at: ctx.now(),
    actor: ctx.job.createdBy,
    action,
    subject: grant.personId,
    details: {
      accessGroup: grant.accessGroupId,
      fingerprint: grant.fingerprint,
      authorizationId: grant.authorizationId,
      ...(window ? { windowStart: window.start, windowEnd: window.end } : {}),
      ...(action === 'access-group.window-closed' ? { windowEnd: grant.windowEndsAt } : {}),
    },
  });
}

/** Closes the grant's authorization when its window has ended, and opens one for the open window. */
export async function followWindow(
  ctx: JobContext,
  g: AccessGroupRecord,
  grant: AccessGrantRecord,
  publicKey: string,
  window: OpenWindow | null,
  result: { granted: number; windowsClosed?: number; removalsPending?: number },
): Promise<void> {
  const now = ctx.now();
  let x = grant;
  if (!x.windowClosed && (x.windowEndsAt === undefined || x.windowEndsAt <= now)) {
    await ctx.enqueue({
      type: removeAuthorization.type,
      // With an expiry the job checks it has passed; a grant without one is simply removed.
      params:
        x.windowEndsAt === undefined
          ? { authorizationId: x.authorizationId }
          : { authorizationId: x.authorizationId, reason: 'expired' },
      trigger: 'event',
    });
    x = { ...x, windowClosed: true, windowClosedAt: now };
    await ctx.store.directory.putGrant(x);
    result.windowsClosed = (result.windowsClosed ?? 0) + 1;
    await auditGrant(ctx, 'access-group.window-closed', x, null);
  }
  if (x.windowClosed && window) {
    // The closed window's line must be off the hosts first: a new line of the same key beside
    // it would be taken for a line Keywarden did not write and left out (blocked). So the
    // next window waits for that removal (a run is queued shortly) — for a bounded time, so
    // a host that cannot be reached does not hold the window shut on every other host.
    if (
      now - (x.windowClosedAt ?? 0) < REMOVAL_WAIT_MS &&
      (await stillPlaced(ctx, x.authorizationId))
    ) {
      result.removalsPending = (result.removalsPending ?? 0) + 1;
      return;
    }
    // Whoever inserts this window's claim makes its authorization (two controllers at once).
    const authorizationId = newId(now);
    const claimed = await ctx.store.directory.claimGrantWindow({
      id: `${x.id}@${window.end}`,
      grantId: x.id,
      windowEndsAt: window.end,
      authorizationId,
      at: now,
    });
    if (!claimed) return;
    await authorizeGrant(ctx, g, publicKey, window, authorizationId);
    x = { ...x, authorizationId, windowEndsAt: window.end, windowClosed: false };
    await ctx.store.directory.putGrant(x);
    result.granted += 1;
    await auditGrant(ctx, 'access-group.granted', x, window);
  }
}
