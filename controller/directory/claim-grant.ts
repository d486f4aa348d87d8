/**
 * Making a member's grant once, whichever controllers run the processing at the same
 * moment: the grant record, with the id its authorization will have, is inserted first
 * (claimGrant: an insert of an existing id fails atomically on both stores), and only the
 * caller whose insert went in creates the authorization. A maker that dies between the
 * two writes leaves a grant marked `placing`; once that is older than a run can take, the
 * next run looks for the authorization: there, the grant is made; missing, the claim is
 * dropped and the grant made again.
 */
import type { JobContext } from '../engine/job-definition';
import type { AccessGrantRecord, AccessGroupRecord, PersonKey } from '../store/directory-records';
import { newId } from '../store/ids';
import type { OpenWindow } from './access-windows';
import { authorizeGrant } from './grant-window';

/** Longer than any run of the processing takes (the robot's timeout). */
export const PLACING_GRACE_MS = 10 * 60_000;

/** The grant made, or null when another controller claimed it first. */
export async function makeGrant(
  ctx: JobContext,
  g: AccessGroupRecord,
  personId: string,
  key: PersonKey,
  id: string,
  window: OpenWindow | null,
): Promise<{ grant: AccessGrantRecord; jobId: string } | null> {
  const now = ctx.now();
  const claim: AccessGrantRecord = {
    id,
    accessGroupId: g.id,
    personId,
    fingerprint: key.fingerprint,
    authorizationId: newId(now),
    createdAt: now,
    ...(window ? { windowEndsAt: window.end, windowClosed: false } : {}),
    placing: true,
  };
  if (!(await ctx.store.directory.claimGrant(claim))) return null;
  let jobId: string;
  try {
    ({ jobId } = await authorizeGrant(ctx, g, key.publicKey, window, claim.authorizationId));
  } catch (err) {
    // Nothing half-made: the claim goes with the authorization that could not be made.
    await ctx.store.directory.removeGrant(id);
    throw err;
  }
  const { placing: _placing, ...grant } = claim;
  await ctx.store.directory.putGrant(grant);
  return { grant, jobId };
}

/**
 * A grant still `placing` after the grace: made (its authorization exists: the grant as it
 * now stands) or dropped (null). Younger ones are another run's work in progress: as they are.
 */
export async function settlePlacing(
  ctx: JobContext,
  x: AccessGrantRecord,
): Promise<AccessGrantRecord | null> {
  if (!x.placing || x.createdAt > ctx.now() - PLACING_GRACE_MS) return x;
  if (await ctx.store.authorizations.get(x.authorizationId)) {
    const { placing: _placing, ...made } = x;
    await ctx.store.directory.putGrant(made);
    return made;
  }
  await ctx.store.directory.removeGrant(x.id);
  ctx.log.warn({ grant: x.id }, 'a grant claimed but never made: dropped, made again');
  return null;
}
