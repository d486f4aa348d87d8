/**
 * What the add/remove-authorized-key children of an authorization record about their host:
 * the placement is present, failed (with why) or removed, with the job and the time.
 */
import type { AddAuthorizedKeyResult } from '../../shared/hostops/add-authorized-key';
import type { AuthorizedKeyOption } from '../../shared/ssh/authorized-key-options';
import type { JobContext } from '../engine/job-definition';
import type { PlacementRecord } from '../store/authorization-records';

type Ctx = Pick<JobContext, 'store' | 'now' | 'job'>;

async function update(
  ctx: Ctx,
  authorizationId: string,
  hostId: string,
  patch: Partial<PlacementRecord> & { options?: AuthorizedKeyOption[] },
): Promise<void> {
  const [auth, before] = await Promise.all([
    ctx.store.authorizations.get(authorizationId),
    ctx.store.authorizations.getPlacement(authorizationId, hostId),
  ]);
  if (!auth) return;
  await ctx.store.authorizations.putPlacement({
    authorizationId,
    hostId,
    account: auth.account,
    fingerprint: auth.fingerprint,
    options: before?.options ?? [],
    state: 'pending',
    confirmedAt: before?.confirmedAt ?? null,
    error: null,
    ...patch,
    jobId: ctx.job.id,
    updatedAt: ctx.now(),
  });
}

/**
 * After the edit: present when the line is there as the records say, failed when another
 * line with the key (one Keywarden did not place, whatever marker it carries) was left alone.
 */
export async function recordPlacementAdded(
  ctx: Ctx,
  authorizationId: string,
  hostId: string,
  options: AuthorizedKeyOption[],
  edit: AddAuthorizedKeyResult,
): Promise<'present' | 'blocked'> {
  const now = ctx.now();
  if (edit.skippedUnmanaged.length > 0) {
    await update(ctx, authorizationId, hostId, {
      state: 'blocked',
      options,
      error: `${edit.file} line ${edit.skippedUnmanaged.join(', ')} already holds this key with options Keywarden did not write; it was left as it is`,
    });
    return 'blocked';
  }
  await update(ctx, authorizationId, hostId, {
    state: 'present',
    options,
    confirmedAt: now,
    error: null,
  });
  return 'present';
}

export async function recordPlacementFailed(
  ctx: Ctx,
  authorizationId: string,
  hostId: string,
  options: AuthorizedKeyOption[],
  err: unknown,
): Promise<void> {
  const e = err as { code?: string; message?: string };
  await update(ctx, authorizationId, hostId, {
    state: 'failed',
    options,
    error: `${e.code ?? 'ERROR'}: ${e.message ?? String(err)}`,
  });
}

export async function recordPlacementRemoved(
  ctx: Ctx,
  authorizationId: string,
  hostId: string,
): Promise<void> {
  await update(ctx, authorizationId, hostId, {
    state: 'removed',
    confirmedAt: ctx.now(),
    error: null,
  });
}
