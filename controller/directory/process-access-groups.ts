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
import { createAuthorization } from '../authorizations/create-authorization';
import type { JobContext } from '../engine/job-definition';
import type { JobQueue } from '../engine/job-queue';
import { removeAuthorization } from '../jobs/remove-authorization';
import {
  accessGrantId,
  type AccessGrantRecord,
  type AccessGroupRecord,
  type PersonKey,
  type PersonRecord,
} from '../store/directory-records';

export interface AccessGroupsResult {
  granted: number;
  revoked: number;
  skippedGroups: string[];
  /** Grants waiting for approval (their host group has an approval policy). */
  awaitingApproval?: number;
}

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
  const queue: Pick<JobQueue, 'enqueueByName'> = {
    enqueueByName: async (type, params, opts) => ({
      job: await ctx.enqueueByName({ type, params, trigger: opts.trigger }),
      created: true,
    }),
  };
  const [groups, people, grants] = await Promise.all([
    ctx.store.directory.listAccessGroups(),
    ctx.store.directory.listPeople(),
    ctx.store.directory.listGrants(),
  ]);
  const result: AccessGroupsResult = { granted: 0, revoked: 0, skippedGroups: [] };
  const keep = new Set<string>();
  // Every grant the access groups want, made or waiting for approval: the approval
  // requests of the others are cancelled (controller/approvals/access-grant-approvals.ts).
  const wantedAll = new Set<string>();
  for (const g of groups) {
    for (const id of wanted(g, people).keys()) wantedAll.add(id);
    const mine = grants.filter((x) => x.accessGroupId === g.id);
    if (!(await ctx.store.hostGroups.get(g.hostGroupId))) {
      // A host group removed by mistake must not revoke everyone: its grants wait.
      ctx.log.warn({ accessGroup: g.id, hostGroup: g.hostGroupId }, 'host group gone: skipped');
      result.skippedGroups.push(g.id);
      for (const x of mine) keep.add(x.id);
      continue;
    }
    const want = wanted(g, people);
    for (const x of mine) if (want.has(x.id)) keep.add(x.id);
    for (const [id, { person, key }] of want) {
      if (keep.has(id)) continue;
      const gate = await gateAccessGrant(ctx, g, person, key, id);
      if (!gate.make) {
        result.awaitingApproval = (result.awaitingApproval ?? 0) + 1;
        continue;
      }
      const { authorization, jobId } = await createAuthorization(
        { store: ctx.store, queue },
        {
          publicKey: key.publicKey,
          account: g.account,
          groupId: g.hostGroupId,
          options: g.options,
        },
        actor,
        now,
        'event',
      );
      const grant: AccessGrantRecord = {
        id,
        accessGroupId: g.id,
        personId: person.id,
        fingerprint: key.fingerprint,
        authorizationId: authorization.id,
        createdAt: now,
      };
      await ctx.store.directory.putGrant(grant);
      await gate.granted(authorization.id, jobId);
      keep.add(id);
      result.granted += 1;
      await ctx.store.audit.append({
        at: now,
        actor,
        action: 'access-group.granted',
        subject: person.id,
        details: {
          accessGroup: g.id,
          fingerprint: key.fingerprint,
          authorizationId: authorization.id,
        },
      });
    }
  }
  for (const x of grants) {
    if (keep.has(x.id)) continue;
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
  await releaseUnwanted(ctx, wantedAll);
  return result;
}
