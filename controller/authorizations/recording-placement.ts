/**
 * Wraps the run of add-authorized-key and remove-authorized-key: a job that names an
 * authorization records its placement on the host (present, failed with why, removed).
 * An add for an authorization that has ended meanwhile is skipped, so a removal that ran
 * first is not undone by an add still in the queue.
 */
import type { AddAuthorizedKeyResult } from '../../shared/hostops/add-authorized-key';
import { invalidInput } from '../../shared/errors';
import type { AuthorizedKeyOption } from '../../shared/ssh/authorized-key-options';
import { parsePublicKeyLine } from '../../shared/ssh/public-key';
import type { JobContext } from '../engine/job-definition';
import type { Target } from '../inventory/host-target';
import type { AuthorizationRecord } from '../store/authorization-records';
import {
  recordPlacementAdded,
  recordPlacementFailed,
  recordPlacementRemoved,
} from './record-placement';

interface PlacementParams extends Target {
  authorizationId?: string;
  account?: string;
  publicKey?: string;
  fingerprint?: string;
  options?: AuthorizedKeyOption[];
}

/** A job naming an authorization edits that authorization's key and account, nothing else. */
function requireSameGrant(params: PlacementParams, auth: AuthorizationRecord): void {
  const parsed = params.publicKey === undefined ? null : parsePublicKeyLine(params.publicKey);
  const fingerprint = parsed?.ok ? parsed.key.sha256 : params.fingerprint;
  if (params.account !== auth.account || fingerprint !== auth.fingerprint)
    throw invalidInput(
      `authorization ${auth.id} is for ${auth.fingerprint} as ${auth.account}, not ${fingerprint ?? '?'} as ${params.account ?? '?'}`,
      { details: { field: 'authorizationId', value: auth.id } },
    );
}

/** What defineHostJob hands a host job's run: its resolved host and its params. */
interface HostJobCall<P> {
  hostId: string;
  params: P;
}

export function recordingPlacement<P extends PlacementParams, T extends HostJobCall<P>, R>(
  run: (target: T, ctx: JobContext) => Promise<R>,
): (target: T, ctx: JobContext) => Promise<R | { hostId: string; skipped: string }> {
  return async (target, ctx) => {
    const { hostId, params } = target;
    const id = params.authorizationId;
    if (id === undefined) return run(target, ctx);
    const auth = await ctx.store.authorizations.get(id);
    if (auth?.state !== 'active')
      return { hostId, skipped: `authorization ${id} is ${auth?.state ?? 'unknown'}` };
    requireSameGrant(params, auth);
    const options = params.options ?? [];
    try {
      const result = await run(target, ctx);
      const placed = await recordPlacementAdded(
        ctx,
        id,
        hostId,
        options,
        result as unknown as AddAuthorizedKeyResult,
      );
      return { ...result, placement: placed };
    } catch (err) {
      await recordPlacementFailed(ctx, id, hostId, options, err);
      throw err;
    }
  };
}

export function recordingRemoval<P extends PlacementParams, T extends HostJobCall<P>, R>(
  run: (target: T, ctx: JobContext) => Promise<R>,
): (target: T, ctx: JobContext) => Promise<R> {
  return async (target, ctx) => {
    const { hostId, params } = target;
    const id = params.authorizationId;
    if (id === undefined) return run(target, ctx);
    const auth = await ctx.store.authorizations.get(id);
    if (auth) requireSameGrant(params, auth);
    const result = await run(target, ctx);
    await recordPlacementRemoved(ctx, id, hostId);
    return result;
  };
}
