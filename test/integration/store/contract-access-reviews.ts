import { describe, expect, it } from 'vitest';
import type {
  ReviewCampaignRecord,
  ReviewItemRecord,
  ReviewRoundRecord,
} from '../../../controller/store/access-review-records';
import type { ContractContext } from './store-contract';

const T0 = 1_800_000_000_000;
const DAY = 86_400_000;

const campaign = (over: Partial<ReviewCampaignRecord> = {}): ReviewCampaignRecord => ({
  id: 'rc-1',
  name: 'web quarterly',
  groupId: 'g-rc',
  applicationId: null,
  owner: 'alice',
  periodMs: 90 * DAY,
  deadlineMs: 14 * DAY,
  onUnconfirmed: 'remove',
  nextRoundAt: T0,
  stoppedBy: null,
  stoppedAt: null,
  createdBy: 'token:admin#1',
  createdAt: T0,
  updatedAt: T0,
  ...over,
});

const round = (over: Partial<ReviewRoundRecord> = {}): ReviewRoundRecord => ({
  id: 'r-1',
  campaignId: 'rc-1',
  groupId: 'g-rc',
  applicationId: 'billing',
  owner: 'alice',
  onUnconfirmed: 'remove',
  state: 'open',
  dueAt: T0,
  openedAt: T0 + 5,
  deadlineAt: T0 + 14 * DAY,
  closedAt: null,
  ...over,
});

const item = (over: Partial<ReviewItemRecord> = {}): ReviewItemRecord => ({
  roundId: 'r-1',
  campaignId: 'rc-1',
  authorizationId: 'az-r1',
  fingerprint: `SHA256:${'b'.repeat(43)}`,
  account: 'deploy',
  target: { groupId: 'g-rc' },
  options: [{ name: 'from', value: '10.0.0.0/8' }],
  expiresAt: null,
  grantedBy: 'token:ops#2',
  grantedAt: T0 - DAY,
  decision: 'pending',
  decidedBy: null,
  decidedAt: null,
  note: null,
  action: null,
  removalJobId: null,
  alertId: null,
  ...over,
});

export function accessReviewsContract(ctx: ContractContext): void {
  describe('access reviews', () => {
    it('keeps campaigns, finds the due ones, and moves one on only from the due time it read', async () => {
      const r = ctx.get().store.accessReviews;
      expect(await r.createCampaign(campaign())).toEqual(campaign());
      await expect(r.createCampaign(campaign())).rejects.toMatchObject({ code: 'CONFLICT' });
      await r.createCampaign(
        campaign({ id: 'rc-2', groupId: 'g-other', nextRoundAt: T0 + DAY, applicationId: 'crm' }),
      );
      expect(await r.getCampaign('rc-2')).toMatchObject({ applicationId: 'crm' });
      expect(await r.getCampaign('rc-none')).toBeNull();
      expect((await r.listCampaigns({}, { limit: 10 })).items.map((c) => c.id)).toEqual([
        'rc-2',
        'rc-1',
      ]);
      const first = await r.listCampaigns({}, { limit: 1 });
      expect(first.nextCursor).toBe('rc-2');
      expect(
        (await r.listCampaigns({}, { limit: 1, after: 'rc-2' })).items.map((c) => c.id),
      ).toEqual(['rc-1']);
      expect((await r.listCampaigns({ groupId: 'g-other' }, { limit: 10 })).items).toHaveLength(1);
      expect((await r.listDueCampaigns(T0, 10)).map((c) => c.id)).toEqual(['rc-1']);
      expect((await r.listDueCampaigns(T0 + DAY, 10)).map((c) => c.id)).toEqual(['rc-1', 'rc-2']);
      expect(await r.advanceCampaign('rc-1', T0 + 1, T0 + 90 * DAY, T0)).toBe(false);
      expect(await r.advanceCampaign('rc-1', T0, T0 + 90 * DAY, T0 + 7)).toBe(true);
      expect(await r.advanceCampaign('rc-1', T0, T0 + 90 * DAY, T0 + 8)).toBe(false);
      expect(await r.getCampaign('rc-1')).toMatchObject({
        nextRoundAt: T0 + 90 * DAY,
        updatedAt: T0 + 7,
      });
      // Back as it was, for the tests below.
      await r.advanceCampaign('rc-1', T0 + 90 * DAY, T0, T0);
      // A stopped campaign is never due again, and is stopped once.
      expect(await r.stopCampaign('rc-2', 'token:admin#1', T0 + 5)).toMatchObject({
        nextRoundAt: null,
        stoppedBy: 'token:admin#1',
        stoppedAt: T0 + 5,
      });
      expect(await r.stopCampaign('rc-2', 'token:other#9', T0 + 6)).toBeNull();
      expect(await r.stopCampaign('rc-none', 'x', T0)).toBeNull();
      expect((await r.listDueCampaigns(T0 + 400 * DAY, 10)).map((c) => c.id)).toEqual(['rc-1']);
      expect(await r.advanceCampaign('rc-2', T0 + DAY, T0 + 365 * DAY, T0)).toBe(false);
    });

    it('opens a round once per id, lists rounds newest first, and closes one once', async () => {
      const r = ctx.get().store.accessReviews;
      expect(await r.openRound(round())).toEqual({ round: round(), created: true });
      // A rerun after a crash: the round it opened, as it was.
      expect(await r.openRound(round({ openedAt: T0 + 99, deadlineAt: T0 }))).toEqual({
        round: round(),
        created: false,
      });
      await r.openRound(round({ id: 'r-2', campaignId: 'rc-2' }));
      expect((await r.listRounds({}, { limit: 10 })).items.map((x) => x.id)).toEqual([
        'r-2',
        'r-1',
      ]);
      expect((await r.listRounds({ campaignId: 'rc-1' }, { limit: 10 })).items).toEqual([round()]);
      expect(await r.transitionRound('r-1', 'closed', 'open', T0)).toBeNull();
      expect(await r.transitionRound('r-1', 'open', 'closed', T0 + 20 * DAY)).toEqual(
        round({ state: 'closed', closedAt: T0 + 20 * DAY }),
      );
      expect(await r.transitionRound('r-1', 'open', 'closed', T0 + 30 * DAY)).toBeNull();
      expect(
        (await r.listRounds({ state: ['open'] }, { limit: 10 })).items.map((x) => x.id),
      ).toEqual(['r-2']);
      expect((await r.listRounds({ state: [] }, { limit: 10 })).items).toEqual([]);
      expect(await r.getRound('r-none')).toBeNull();
    });

    it('adds only missing items, so a decision is never overwritten by a second snapshot', async () => {
      const r = ctx.get().store.accessReviews;
      expect(
        await r.addItems([
          item(),
          item({ authorizationId: 'az-r2', target: { hostId: 'h-rc' }, expiresAt: T0 + DAY }),
          item({ authorizationId: 'az-r3' }),
        ]),
      ).toBe(3);
      expect(await r.getItem('r-1', 'az-r2')).toEqual(
        item({ authorizationId: 'az-r2', target: { hostId: 'h-rc' }, expiresAt: T0 + DAY }),
      );
      const decided = await r.decideItem('r-1', 'az-r1', {
        decision: 'confirmed',
        by: 'token:alice#3',
        at: T0 + DAY,
        note: 'still on call',
      });
      expect(decided).toEqual(
        item({
          decision: 'confirmed',
          decidedBy: 'token:alice#3',
          decidedAt: T0 + DAY,
          note: 'still on call',
        }),
      );
      // Only from pending: a second decision (or the deadline racing it) changes nothing.
      expect(
        await r.decideItem('r-1', 'az-r1', { decision: 'revoked', by: 'x', at: T0 + 2 * DAY }),
      ).toBeNull();
      expect(await r.addItems([item(), item({ authorizationId: 'az-r4' })])).toBe(1);
      expect(await r.getItem('r-1', 'az-r1')).toMatchObject({
        decision: 'confirmed',
        decidedBy: 'token:alice#3',
      });
      expect(await r.addItems([])).toBe(0);
      expect(await r.getItem('r-1', 'az-none')).toBeNull();
    });

    it('pages items by round and grant, filters them, counts decisions and records actions', async () => {
      const r = ctx.get().store.accessReviews;
      await r.addItems([item({ roundId: 'r-2', campaignId: 'rc-2', authorizationId: 'az-r1' })]);
      const keys = (items: ReviewItemRecord[]) =>
        items.map((i) => `${i.roundId}|${i.authorizationId}`);
      const p1 = await r.listItems({}, { limit: 3 });
      expect(keys(p1.items)).toEqual(['r-1|az-r1', 'r-1|az-r2', 'r-1|az-r3']);
      expect(p1.nextCursor).toBe('r-1|az-r3');
      const p2 = await r.listItems({}, { limit: 3, after: p1.nextCursor ?? undefined });
      expect(keys(p2.items)).toEqual(['r-1|az-r4', 'r-2|az-r1']);
      expect(p2.nextCursor).toBeNull();
      expect(keys((await r.listItems({ authorizationId: 'az-r1' }, { limit: 10 })).items)).toEqual([
        'r-1|az-r1',
        'r-2|az-r1',
      ]);
      expect(
        keys((await r.listItems({ roundId: 'r-1', decision: ['pending'] }, { limit: 10 })).items),
      ).toEqual(['r-1|az-r2', 'r-1|az-r3', 'r-1|az-r4']);
      await r.decideItem('r-1', 'az-r2', {
        decision: 'revoked',
        by: 'token:alice#3',
        at: T0 + DAY,
        action: 'remove',
      });
      await r.decideItem('r-1', 'az-r3', {
        decision: 'unconfirmed',
        by: 'access-review:r-1',
        at: T0 + 14 * DAY,
        action: 'alert',
      });
      expect(keys((await r.listItems({ removalUnqueued: true }, { limit: 10 })).items)).toEqual([
        'r-1|az-r2',
      ]);
      await r.recordItemAction('r-1', 'az-r2', { removalJobId: 'job-9' });
      await r.recordItemAction('r-1', 'az-r3', { alertId: 'alert-4' });
      expect((await r.listItems({ removalUnqueued: true }, { limit: 10 })).items).toEqual([]);
      expect(await r.getItem('r-1', 'az-r2')).toMatchObject({
        decision: 'revoked',
        action: 'remove',
        removalJobId: 'job-9',
        alertId: null,
      });
      expect(await r.getItem('r-1', 'az-r3')).toMatchObject({
        action: 'alert',
        alertId: 'alert-4',
      });
      expect(await r.countItems('r-1')).toEqual({
        pending: 1,
        confirmed: 1,
        revoked: 1,
        unconfirmed: 1,
        ended: 0,
      });
      expect(await r.countItems('r-none')).toEqual({
        pending: 0,
        confirmed: 0,
        revoked: 0,
        unconfirmed: 0,
        ended: 0,
      });
    });
  });
}
