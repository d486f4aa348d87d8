/**
 * Access groups into authorizations: for each access group, every key of every active
 * person in its directory group gets one authorization (created as an admin's would be,
 * create-authorization.ts) on the host group as the account, recorded as an access grant;
 * every grant whose person left the directory group or the directory, whose key is gone
 * or whose access group was removed is ended by a remove-authorization job. Run by
 * access-groups-processing and, right after each sync, by ldap-sync, so a departure takes
 * the keys off the hosts in the same run.
 */
import { gateAccessGrant, releaseUnwanted } from '../approvals/access-grant-approvals';
import type { JobContext } from '../engine/job-definition';
import { removeAuthorization } from '../jobs/remove-authorization';
import {
  accessGrantId,
  type AccessGrantRecord,
  type AccessGroupRecord,
  type PersonKey,
  type PersonRecord,
} from '../store/directory-records';
import { nextWindowChange, openWindowAt } from './access-windows';
import { makeGrant, settlePlacing } from './claim-grant';
import { auditGrant, followWindow } from './grant-window';

export interface AccessGroupsResult {
  granted: number;
  revoked: number;
  skippedGroups: string[];
  /** Grants waiting for approval (their host group has an approval policy). */
  awaitingApproval?: number;
  /** Authorizations of standing grants removed because their window closed. */
  windowsClosed?: number;
  /** Windows that wait for the previous window's line to be off the hosts (grant-window.ts). */
  removalsPending?: number;
  /**
   * The next moment a window of some access group opens or closes, or (sooner) when a
   * waiting window is looked at again: a run is queued for it.
   */
  nextWindowChangeAt?: number;
}

/** How soon a window waiting for the previous line's removal is looked at again. */
const REMOVAL_RECHECK_MS = 10_000;

// One run at a time in this process: ldap-sync and the robot may both run it, and two runs
// at once would both create the same grant.
let running: Promise<unknown> = Promise.resolve();

export function processAccessGroups(ctx: JobContext): Promise<AccessGroupsResult> {
  const next = running.then(() => processOnce(ctx));
  running = next.catch(() => undefined);
  return next;
}

/** In the access group: through its directory group, or listed by hand. */
export const isMember = (g: AccessGroupRecord, p: PersonRecord) =>
  (g.directoryGroup !== null && p.groups.includes(g.directoryGroup)) ||
  (g.members ?? []).includes(p.id);

function wanted(
  g: AccessGroupRecord,
  people: PersonRecord[],
): Map<string, { person: PersonRecord; key: PersonKey }> {
  const out = new Map<string, { person: PersonRecord; key: PersonKey }>();
  for (const person of people) {
    if (person.state !== 'active' || !isMember(g, person)) continue;
    for (const key of person.keys)
      out.set(accessGrantId(g.id, person.id, key.fingerprint), { person, key });
  }
  return out;
}

async function processOnce(ctx: JobContext): Promise<AccessGroupsResult> {
  const now = ctx.now();
  const actor = ctx.job.createdBy;
  const [groups, people, listed] = await Promise.all([
    ctx.store.directory.listAccessGroups(),
    ctx.store.directory.listPeople(),
    ctx.store.directory.listGrants(),
  ]);
  const result: AccessGroupsResult = { granted: 0, revoked: 0, skippedGroups: [] };
  // A claim whose maker died before the authorization existed is dropped and made anew.
  const grants: AccessGrantRecord[] = [];
  for (const x of listed) {
    const settled = await settlePlacing(ctx, x);
    if (settled) grants.push(settled);
  }
  const standingGrants = new Map(grants.map((x) => [x.id, x]));
  const keep = new Set<string>();
  // Every grant the access groups want, made or waiting for approval (or for its window):
  // the approval requests of the others are cancelled (controller/approvals/access-grant-approvals.ts).
  const wantedAll = new Set<string>();
  for (const g of groups) {
    const want = wanted(g, people);
    for (const id of want.keys()) wantedAll.add(id);
    if (g.schedule) {
      const change = nextWindowChange(g.schedule, now);
      if (change !== null && (result.nextWindowChangeAt ?? Infinity) > change)
        result.nextWindowChangeAt = change;
    }
    const mine = grants.filter((x) => x.accessGroupId === g.id);
    if (!(await ctx.store.hostGroups.get(g.hostGroupId))) {
      // A host group removed by mistake must not revoke everyone: its grants wait.
      ctx.log.warn({ accessGroup: g.id, hostGroup: g.hostGroupId }, 'host group gone: skipped');
      result.skippedGroups.push(g.id);
      for (const x of mine) keep.add(x.id);
      continue;
    }
    // A grant stands while the membership does, between windows too: only its
    // authorization follows the windows (grant-window.ts).
    const window = g.schedule ? openWindowAt(g.schedule, now) : null;
    for (const x of mine) if (want.has(x.id)) keep.add(x.id);
    for (const [id, { person, key }] of want) {
      const standing = standingGrants.get(id);
      if (standing) {
        // (One still placing is another run's, which made it for the window open then.)
        if (g.schedule && !standing.placing)
          await followWindow(ctx, g, standing, key.publicKey, window, result);
        continue;
      }
      // Asked (and approved) when a window is open, so nothing waits between windows.
      if (g.schedule && !window) continue;
      const gate = await gateAccessGrant(ctx, g, person, key, id);
      if (!gate.make) {
        result.awaitingApproval = (result.awaitingApproval ?? 0) + 1;
        continue;
      }
      const made = await makeGrant(ctx, g, person.id, key, id, window);
      keep.add(id);
      // Another controller's run claimed it first: it is made (once), by that run.
      if (!made) continue;
      const { grant, jobId } = made;
      await gate.granted(grant.authorizationId, jobId);
      result.granted += 1;
      await auditGrant(ctx, 'access-group.granted', grant, window);
    }
  }
  for (const x of grants) {
    // A grant another run is making (placing) is settled first, then revoked if unwanted.
    if (keep.has(x.id) || x.placing) continue;
    await ctx.enqueue({
      type: removeAuthorization.type,
      params: { authorizationId: x.authorizationId },
      trigger: 'event',
    });
    await ctx.store.directory.removeGrant(x.id);
    result.revoked += 1;
    await ctx.store.audit.append({
      at: now,
      actor,
      action: 'access-group.revoked',
      subject: x.personId,
      details: {
        accessGroup: x.accessGroupId,
        fingerprint: x.fingerprint,
        authorizationId: x.authorizationId,
      },
    });
  }
  if (result.removalsPending)
    result.nextWindowChangeAt = Math.min(
      result.nextWindowChangeAt ?? Infinity,
      now + REMOVAL_RECHECK_MS,
    );
  await releaseUnwanted(ctx, wantedAll);
  await ctx.store.directory.pruneGrantWindowClaims(now - 2 * 86_400_000);
  return result;
}
