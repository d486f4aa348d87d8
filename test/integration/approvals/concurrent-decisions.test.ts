/**
 * Many approvers approving and denying one request in the same instant, and its requester
 * cancelling it, on both stores
 * (SQLite, and FerretDB, whose updates are not atomic): exactly one decision moves the
 * request, the state is the one the audit names, and a grant exists only for an approved
 * request, once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelApproval } from '../../../controller/approvals/cancel-approval';
import { decideApproval } from '../../../controller/approvals/decide-approval';
import { openApprovalRequest } from '../../../controller/approvals/open-approval';
import { NO_OVERRIDES } from '../../../controller/store/host-records';
import type { AuditRecord } from '../../../controller/store/records';
import { startTestController, type TestController } from '../../helpers/test-controller';

const KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDq9Ld6G1n3uuQ8uYx0c6s4zQKJv0bO5Q4wq0o0Ym1Xk alice@laptop';
const APPROVERS = Array.from({ length: 12 }, (_, i) => `approver${i}`);
const ROUNDS = 3;

describe.each(['sqlite', 'mongodb'] as const)(
  'concurrent decisions on one request (%s)',
  { timeout: 240_000 },
  (store) => {
    let ctl: TestController;
    beforeAll(async () => {
      ctl = await startTestController({ store });
      await ctl.services.store.hostGroups.create(
        { id: 'web', name: 'web', description: 'test group', scanIntervalsMs: NO_OVERRIDES },
        Date.now(),
      );
    });
    afterAll(async () => {
      await ctl?.stop();
    });

    const open = () =>
      openApprovalRequest(
        ctl.services,
        {
          subject: {
            kind: 'authorization',
            request: { publicKey: KEY, account: 'deploy', groupId: 'web', options: [] },
          },
          subjectKey: null,
          fingerprint: 'SHA256:race',
          account: 'deploy',
          target: { groupId: 'web' },
          requester: 'token:requester#1',
          reason: 'race',
          need: {
            approvers: APPROVERS.map((name) => ({
              name,
              email: `${name}@example.test`,
              personId: null,
            })),
            rules: [{ source: 'request', approvers: APPROVERS, required: 1 }],
            ttlMs: 3_600_000,
          },
        },
        Date.now(),
      );

    it('lets exactly one decision move the request; state, audit and grant agree', async () => {
      const outcomes: string[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const r = await open();
        // The one who asked cancels in the same instant.
        const cancelling = cancelApproval(
          ctl.services,
          { requestId: r.id, by: { actor: 'token:requester#1', role: 'operator' }, reason: 'race' },
          Date.now(),
        );
        const results = await Promise.allSettled([
          cancelling,
          ...APPROVERS.map((approver, i) =>
            decideApproval(
              ctl.services,
              {
                requestId: r.id,
                approver,
                decision: i % 2 === 0 ? 'approve' : 'deny',
                via: 'api',
                by: `token:${approver}#${i}`,
                tokenHash: null,
              },
              Date.now(),
            ),
          ),
        ]);
        // A decision is either taken or refused, a cancel done or refused as too late
        // (the request had moved): nothing else.
        for (const res of results)
          if (res.status === 'rejected')
            expect(['APPROVAL_REFUSED', 'CONFLICT']).toContain(
              (res.reason as { code?: string }).code,
            );

        const audit = await ctl.services.store.audit.list({ subject: r.id }, { limit: 500 });
        const moves = audit.items
          .map((a: AuditRecord) => a.action)
          .filter((a) =>
            ['approval.approved', 'approval.denied', 'approval.cancelled'].includes(a),
          );
        expect(moves, `round ${round}: the moves of ${r.id}`).toHaveLength(1);
        const final = await ctl.services.store.approvals.getRequest(r.id);
        expect(`approval.${final?.state}`).toBe(moves[0]);

        const granted = (
          await ctl.services.store.audit.list({ action: 'authorization.create' }, { limit: 500 })
        ).items.filter((a) => a.details.approvalRequestId === r.id);
        if (final?.state === 'approved') {
          expect(granted).toHaveLength(1);
          expect(final.outcome?.authorizationId).toBe(granted[0]?.subject);
        } else expect(granted).toEqual([]);
        outcomes.push(final?.state ?? 'missing');
      }
      expect(outcomes).toHaveLength(ROUNDS);
    });
  },
);
