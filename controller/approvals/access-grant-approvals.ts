/**
 * Access-group grants to a host group with an approval policy wait for approval like an
 * admin's request. access-groups-processing asks `gateAccessGrant` before it makes a grant:
 * - no policy: make it;
 * - no request yet (or the last one expired, was cancelled or failed): open one, wait;
 * - pending or denied: wait (a denial holds while the person stays in the group, as an
 *   admin's removal of a grant does; out of the group and back in asks anew);
 * - approved and not applied: this run makes it (one claim per request) and records the
 *   authorization on the request.
 * `releaseUnwanted` cancels the pending requests of grants no longer wanted (the person
 * left the group or the directory, the key or the access group is gone) and detaches the
 * decided ones, so a later membership is a new question.
 */
import type { JobContext } from '../engine/job-definition';
import type { AccessGroupRecord, PersonKey, PersonRecord } from '../store/directory-records';
import { approvalDepsOf } from './approval-deps';
import { approvalNeeded } from './approvers';
import { openApprovalRequest } from './open-approval';

const subjectKeyOf = (grantId: string) => `access-grant:${grantId}`;

export type Gate =
  { make: false } | { make: true; granted(authorizationId: string, jobId: string): Promise<void> };

const MAKE_FREELY: Gate = { make: true, granted: async () => undefined };

export async function gateAccessGrant(
  ctx: JobContext,
  g: AccessGroupRecord,
  person: PersonRecord,
  key: PersonKey,
  grantId: string,
): Promise<Gate> {
  const deps = approvalDepsOf(ctx);
  const now = ctx.now();
  const need = await approvalNeeded(
    ctx.store,
    { groupId: g.hostGroupId },
    undefined,
    ctx.config.approvalTtlMs,
  );
  if (!need) return MAKE_FREELY;
  const subjectKey = subjectKeyOf(grantId);
  const [latest] = (await ctx.store.approvals.listRequests({ subjectKey }, { limit: 1 })).items;
  if (latest?.state === 'pending' || latest?.state === 'denied') return { make: false };
  if (latest?.state === 'approved' && latest.outcome === null) {
    if (!(await ctx.store.approvals.claimApplication(latest.id, now))) return { make: false };
    return {
      make: true,
      granted: async (authorizationId, jobId) => {
        await ctx.store.approvals.transition(
          latest.id,
          ['approved'],
          'approved',
          { outcome: { authorizationId, jobId, error: null, at: now } },
          now,
        );
        await ctx.store.audit.append({
          at: now,
          actor: 'system',
          action: 'approval.applied',
          subject: latest.id,
          details: { authorizationId, jobId, accessGroup: g.id },
        });
      },
    };
  }
  await openApprovalRequest(
    deps,
    {
      subject: {
        kind: 'access-grant',
        accessGroupId: g.id,
        personId: person.id,
        fingerprint: key.fingerprint,
        grantId,
      },
      subjectKey,
      fingerprint: key.fingerprint,
      account: g.account,
      target: { groupId: g.hostGroupId },
      requester: ctx.job.createdBy,
      reason: `member of directory group ${g.directoryGroup} (access group ${g.id}): ${person.name}`,
      need,
    },
    now,
  );
  return { make: false };
}

export async function releaseUnwanted(ctx: JobContext, wanted: Set<string>): Promise<number> {
  const now = ctx.now();
  let released = 0;
  const page = await ctx.store.approvals.listRequests(
    { state: ['pending', 'denied', 'approved'] },
    { limit: 500 },
  );
  for (const r of page.items) {
    if (r.subject.kind !== 'access-grant' || r.subjectKey === null) continue;
    if (wanted.has(r.subject.grantId)) continue;
    if (r.state === 'pending') {
      const moved = await ctx.store.approvals.transition(
        r.id,
        ['pending'],
        'cancelled',
        { decidedAt: now, subjectKey: null },
        now,
      );
      if (moved)
        await ctx.store.audit.append({
          at: now,
          actor: 'system',
          action: 'approval.cancelled',
          subject: r.id,
          details: { reason: 'the access group no longer grants it', grant: r.subject.grantId },
        });
    } else await ctx.store.approvals.detachSubject(r.id, now);
    released += 1;
  }
  return released;
}
