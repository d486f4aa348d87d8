import { describe, expect, it } from 'vitest';
import type {
  ApprovalDecisionRecord,
  ApprovalRequestRecord,
  InboundMailRecord,
} from '../../../controller/store/approval-records';
import type { ContractContext } from './store-contract';

const T0 = 1_800_000_000_000;

const request = (id: string, over: Partial<ApprovalRequestRecord> = {}): ApprovalRequestRecord => ({
  id,
  subject: {
    kind: 'authorization',
    request: { publicKey: 'ssh-ed25519 AAAA x', account: 'deploy', groupId: 'web', options: [] },
  },
  subjectKey: null,
  fingerprint: 'SHA256:x',
  account: 'deploy',
  target: { groupId: 'web' },
  requester: 'token:ops#1',
  reason: null,
  approvers: [{ name: 'ann', email: 'ann@example.test', personId: null }],
  rules: [{ source: 'policy:web', approvers: ['ann'], required: 1 }],
  tokens: [{ approver: 'ann', action: 'reply', hash: 'ab'.repeat(32) }],
  state: 'pending',
  createdAt: T0,
  expiresAt: T0 + 3_600_000,
  decidedAt: null,
  outcome: null,
  updatedAt: T0,
  ...over,
});

const decision = (requestId: string, approver: string, at: number): ApprovalDecisionRecord => ({
  requestId,
  approver,
  decision: 'approve',
  via: 'link',
  by: `${approver}@example.test`,
  tokenHash: 'cd'.repeat(32),
  at,
});

const mail = (id: string, at: number): InboundMailRecord => ({
  id,
  from: 'ann@example.test',
  messageId: `<${id}@example.test>`,
  sealed: 'kw1:000000000000:AAAA',
  state: 'new',
  outcome: null,
  collectedAt: at,
  processedAt: null,
});

export function approvalsContract(ctx: ContractContext): void {
  describe('approvals, policies and collected mail', () => {
    it('stores requests, refuses a duplicate id and lists newest first by state, subject and deadline', async () => {
      const { store } = ctx.get();
      const a = store.approvals;
      await a.createRequest(request('apr_1'));
      await a.createRequest(request('apr_2', { subjectKey: 'access-grant:g/p/f' }));
      await a.createRequest(request('apr_3', { state: 'denied', expiresAt: T0 + 10 }));
      await expect(a.createRequest(request('apr_1'))).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(await a.getRequest('apr_2')).toEqual(
        request('apr_2', { subjectKey: 'access-grant:g/p/f' }),
      );
      expect(await a.getRequest('apr_none')).toBeNull();
      const all = await a.listRequests({}, { limit: 2 });
      expect(all.items.map((r) => r.id)).toEqual(['apr_3', 'apr_2']);
      const rest = await a.listRequests({}, { limit: 2, after: all.nextCursor as string });
      expect(rest).toEqual({ items: [request('apr_1')], nextCursor: null });
      expect(
        (await a.listRequests({ state: ['pending'] }, { limit: 10 })).items.map((r) => r.id),
      ).toEqual(['apr_2', 'apr_1']);
      expect(
        (await a.listRequests({ subjectKey: 'access-grant:g/p/f' }, { limit: 10 })).items.map(
          (r) => r.id,
        ),
      ).toEqual(['apr_2']);
      expect(
        (await a.listRequests({ expiresBefore: T0 + 100 }, { limit: 10 })).items.map((r) => r.id),
      ).toEqual(['apr_3']);
    });

    it('moves a request on only from the states given, with its outcome', async () => {
      const a = ctx.get().store.approvals;
      const outcome = { authorizationId: 'auth_1', jobId: 'job_1', error: null, at: T0 + 5 };
      const moved = await a.transition(
        'apr_1',
        ['pending'],
        'approved',
        { decidedAt: T0 + 4 },
        T0 + 4,
      );
      expect(moved).toMatchObject({
        id: 'apr_1',
        state: 'approved',
        decidedAt: T0 + 4,
        updatedAt: T0 + 4,
      });
      expect(await a.transition('apr_1', ['pending'], 'expired', {}, T0 + 6)).toBeNull();
      expect(
        await a.transition('apr_1', ['approved'], 'approved', { outcome }, T0 + 7),
      ).toMatchObject({
        outcome,
        decidedAt: T0 + 4,
      });
      expect(await a.transition('apr_none', ['pending'], 'denied', {}, T0)).toBeNull();
      const cancelled = await a.transition(
        'apr_2',
        ['pending'],
        'cancelled',
        { subjectKey: null },
        T0 + 8,
      );
      expect(cancelled).toMatchObject({ state: 'cancelled', subjectKey: null });
      await a.createRequest(request('apr_4', { subjectKey: 'access-grant:x' }));
      await a.detachSubject('apr_4', T0 + 9);
      expect(await a.getRequest('apr_4')).toMatchObject({ subjectKey: null, state: 'pending' });
      expect((await a.listRequests({ subjectKey: 'access-grant:x' }, { limit: 5 })).items).toEqual(
        [],
      );
    });

    it('keeps one decision per approver and one application per request, whoever races', async () => {
      const { store, openSecond } = ctx.get();
      const second = openSecond ? await openSecond() : store;
      try {
        const firsts = await Promise.all([
          store.approvals.addDecision(decision('apr_4', 'ann', T0 + 1)),
          second.approvals.addDecision({ ...decision('apr_4', 'ann', T0 + 2), decision: 'deny' }),
        ]);
        expect(firsts.filter(Boolean)).toHaveLength(1);
        expect(await store.approvals.addDecision(decision('apr_4', 'bob', T0 + 3))).toBe(true);
        const list = await store.approvals.listDecisions('apr_4');
        expect(list.map((d) => d.approver)).toEqual(['ann', 'bob']);
        expect(list[1]).toEqual(decision('apr_4', 'bob', T0 + 3));
        expect(await store.approvals.listDecisions('apr_1')).toEqual([]);
        const claims = await Promise.all([
          store.approvals.claimApplication('apr_4', T0),
          second.approvals.claimApplication('apr_4', T0),
        ]);
        expect(claims.filter(Boolean)).toHaveLength(1);
        expect(await store.approvals.claimApplication('apr_4', T0)).toBe(false);
      } finally {
        if (second !== store) await second.close();
      }
    });

    it('writes exactly one of many transitions racing from the same state, from two connections', async () => {
      const { store, openSecond } = ctx.get();
      const second = openSecond ? await openSecond() : store;
      try {
        await store.approvals.createRequest(
          request('apr_race', { subjectKey: 'access-grant:race' }),
        );
        const moves = await Promise.all(
          Array.from({ length: 16 }, (_, i) =>
            (i % 2 ? second : store).approvals.transition(
              'apr_race',
              ['pending'],
              i % 4 < 2 ? 'approved' : 'denied',
              { decidedAt: T0 + i },
              T0 + i,
            ),
          ),
        );
        const written = moves.filter((m) => m !== null);
        expect(written).toHaveLength(1);
        const now = await store.approvals.getRequest('apr_race');
        expect(now).toMatchObject({ state: written[0]?.state, decidedAt: written[0]?.decidedAt });
        expect(await second.approvals.getRequest('apr_race')).toEqual(now);
        // A change of any other field is a compare-and-set too: none undoes the state.
        await Promise.all([
          store.approvals.detachSubject('apr_race', T0 + 20),
          second.approvals.transition('apr_race', [now?.state ?? 'pending'], 'failed', {}, T0 + 21),
        ]);
        expect(await store.approvals.getRequest('apr_race')).toMatchObject({
          state: 'failed',
          subjectKey: null,
        });
      } finally {
        if (second !== store) await second.close();
      }
    });

    it('claims each reminder once and amends only a pending request', async () => {
      const { store, openSecond } = ctx.get();
      const second = openSecond ? await openSecond() : store;
      try {
        const claims = await Promise.all([
          store.approvals.claimReminder('apr_rem', 'ann', T0),
          second.approvals.claimReminder('apr_rem', 'ann', T0),
        ]);
        expect(claims.filter(Boolean)).toHaveLength(1);
        expect(await store.approvals.claimReminder('apr_rem', 'bob', T0)).toBe(true);
        await store.approvals.createRequest(request('apr_rem'));
        const token = { approver: 'ann', action: 'approve' as const, hash: 'ef'.repeat(32) };
        const carl = { name: 'carl', email: 'carl@example.test', personId: null };
        const rules = [{ source: 'policy:web', approvers: ['ann', 'carl'], required: 1 }];
        // Amended by another meanwhile (it counted another approver count): not written.
        expect(
          await store.approvals.amendPending(
            'apr_rem',
            { tokens: [token], approvers: [carl], expectApprovers: 2 },
            T0 + 1,
          ),
        ).toBeNull();
        const amended = await second.approvals.amendPending(
          'apr_rem',
          {
            tokens: [token],
            approvers: [carl],
            ruleApprovers: [{ source: 'policy:web', approvers: ['carl'] }],
            expectApprovers: 1,
          },
          T0 + 1,
        );
        expect(amended).toMatchObject({
          approvers: [{ name: 'ann' }, carl],
          rules,
          updatedAt: T0 + 1,
        });
        expect((await store.approvals.getRequest('apr_rem'))?.tokens).toEqual([
          request('apr_rem').tokens[0],
          token,
        ]);
        await store.approvals.transition('apr_rem', ['pending'], 'expired', {}, T0 + 2);
        expect(
          await store.approvals.amendPending('apr_rem', { tokens: [token] }, T0 + 3),
        ).toBeNull();
        expect((await store.approvals.getRequest('apr_rem'))?.tokens).toHaveLength(2);
      } finally {
        if (second !== store) await second.close();
      }
    });

    it('keeps one policy per host group', async () => {
      const a = ctx.get().store.approvals;
      const p = {
        hostGroupId: 'web',
        approvers: [{ name: 'ann', email: 'ann@example.test', personId: null }],
        required: 1,
        ttlMs: 86_400_000,
        createdBy: 'token:admin#1',
        createdAt: T0,
      };
      await a.putPolicy(p);
      await a.putPolicy({ ...p, required: 2 });
      await a.putPolicy({ ...p, hostGroupId: 'db' });
      expect(await a.getPolicy('web')).toEqual({ ...p, required: 2 });
      expect((await a.listPolicies()).map((x) => x.hostGroupId)).toEqual(['db', 'web']);
      expect(await a.removePolicy('db')).toBe(true);
      expect(await a.removePolicy('db')).toBe(false);
      expect(await a.getPolicy('db')).toBeNull();
    });

    it('keeps the IMAP settings and each collected message once, dropping its content when processed', async () => {
      const a = ctx.get().store.approvals;
      expect(await a.getImap()).toBeNull();
      const s = {
        host: '127.0.0.1',
        port: 993,
        security: 'tls' as const,
        username: 'keywarden',
        passwordSealed: 'kw1:abc:def',
        mailbox: 'INBOX',
        processedMailbox: null,
        caCertificate: null,
        updatedAt: T0,
        updatedBy: 'alice',
      };
      await a.putImap(s);
      await a.putImap({ ...s, port: 143, security: 'starttls' });
      expect(await a.getImap()).toEqual({ ...s, port: 143, security: 'starttls' });
      expect(await a.addInbound(mail('m2', T0 + 2))).toBe(true);
      expect(await a.addInbound(mail('m1', T0 + 1))).toBe(true);
      expect(await a.addInbound(mail('m1', T0 + 5))).toBe(false);
      expect((await a.listInbound({ state: 'new' }, 10)).map((m) => m.id)).toEqual(['m1', 'm2']);
      expect(await a.markInboundProcessed('m1', 'refused: forged', T0 + 9)).toBe(true);
      expect(await a.markInboundProcessed('m1', 'again', T0 + 10)).toBe(false);
      expect((await a.listInbound({ state: 'new' }, 10)).map((m) => m.id)).toEqual(['m2']);
      expect((await a.listInbound({}, 10))[0]).toEqual({
        ...mail('m1', T0 + 1),
        state: 'processed',
        sealed: null,
        outcome: 'refused: forged',
        processedAt: T0 + 9,
      });
      expect(await a.purgeInbound(T0 + 100)).toBe(1);
      expect((await a.listInbound({}, 10)).map((m) => m.id)).toEqual(['m2']);
      await a.putImap(null);
      expect(await a.getImap()).toBeNull();
    });
  });
}
