/**
 * The access review robot's steps (controller/access-reviews) against each real store:
 * a round snapshots the grants in scope, the owner decides, the deadline removes or alerts
 * on the rest, and running any step again (a rerun, a crash half-way) changes nothing and
 * never queues a removal twice. Time is passed in, as the robot passes its ctx.now().
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { closeDueRounds } from '../../../controller/access-reviews/close-rounds';
import { decideReviewItem, type Decider } from '../../../controller/access-reviews/decide-item';
import { openDueRounds, openRound } from '../../../controller/access-reviews/open-rounds';
import type { QueueRemoval } from '../../../controller/access-reviews/review-removal';
import type { AuthorizationRecord } from '../../../controller/store/authorization-records';
import type { Store } from '../../../controller/store/store';
import { newHost } from './contract-hosts';
import type { ContractContext } from './store-contract';

// Long before the other contracts' times, so their campaigns are not due here.
const T1 = 1_700_000_000_000;
const DAY = 86_400_000;
const log = pino({ level: 'silent' });

const grant = (id: string, over: Partial<AuthorizationRecord> = {}): AuthorizationRecord => ({
  id,
  fingerprint: `SHA256:${id.padEnd(43, 'x')}`,
  publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKx x',
  source: { kind: 'public-key' },
  account: 'deploy',
  target: { groupId: 'g-rv' },
  options: [],
  expiresAt: null,
  onDrift: 'restore',
  state: 'active',
  createdBy: 'token:granter#1',
  createdAt: T1 - DAY,
  removedBy: null,
  removedAt: null,
  updatedAt: T1 - DAY,
  ...over,
});

const alice: Decider = { name: 'alice', role: 'operator', actor: 'token:alice#a1' };
const mallory: Decider = { name: 'mallory', role: 'operator', actor: 'token:mallory#m1' };

/** Queues into the store's real job queue, with the item's dedupe key. */
const queueInto =
  (store: Store, now: number): QueueRemoval =>
  async ({ authorizationId, dedupeKey }) =>
    (
      await store.jobs.enqueue(
        {
          type: 'remove-authorization',
          params: { authorizationId, reason: 'removed' },
          maxAttempts: 3,
          createdBy: 'test',
          trigger: 'system',
          dedupeKey,
        },
        now,
      )
    ).job.id;

async function removalsOf(store: Store, authorizationId: string) {
  const page = await store.jobs.list({ type: ['remove-authorization'] }, { limit: 500 });
  return page.items.filter(
    (j) => (j.params as { authorizationId: string }).authorizationId === authorizationId,
  );
}

export function accessReviewRoundsContract(ctx: ContractContext): void {
  describe('access review rounds (the robot steps)', () => {
    let roundId = '';
    let alertRoundId = '';

    it('opens a round per due campaign with every active grant of the group and its hosts, once', async () => {
      const { store } = ctx.get();
      await store.hosts.create(newHost('rv-h1', { groupId: 'g-rv' }), T1);
      await store.hosts.create(newHost('rv-h2', { groupId: 'g-rv-other' }), T1);
      for (const g of [
        grant('rv-a1'),
        grant('rv-a2', { target: { hostId: 'rv-h1' } }),
        grant('rv-a3', { target: { hostId: 'rv-h2' } }), // another group's host
        grant('rv-a4', { state: 'removed', removedBy: 'x', removedAt: T1 - 1 }),
        grant('rv-a5', { expiresAt: T1 - 1 }), // sshd refuses it already
        grant('rv-a6'),
        grant('rv-a7', { target: { hostId: 'rv-h1' } }),
        grant('rv-b1', { target: { groupId: 'g-rv-alert' } }),
      ])
        await store.authorizations.create(g);
      const base = {
        name: 'quarterly',
        applicationId: null,
        owner: 'alice',
        periodMs: 30 * DAY,
        deadlineMs: 7 * DAY,
        nextRoundAt: T1,
        stoppedBy: null,
        stoppedAt: null,
        createdBy: 'token:admin#0',
        createdAt: T1,
        updatedAt: T1,
      };
      await store.accessReviews.createCampaign({
        ...base,
        id: 'rv-c1',
        groupId: 'g-rv',
        onUnconfirmed: 'remove',
      });
      await store.accessReviews.createCampaign({
        ...base,
        id: 'rv-c2',
        groupId: 'g-rv-alert',
        onUnconfirmed: 'alert',
      });
      const before = await store.accessReviews.getCampaign('rv-c1');
      const opened = await openDueRounds(store, T1 + 10, log);
      expect(opened).toHaveLength(2);
      const rounds = await store.accessReviews.listRounds({ campaignId: 'rv-c1' }, { limit: 5 });
      expect(rounds.items).toHaveLength(1);
      roundId = rounds.items[0]!.id;
      alertRoundId = opened.find((id) => id !== roundId)!;
      expect(rounds.items[0]).toMatchObject({
        state: 'open',
        owner: 'alice',
        dueAt: T1,
        openedAt: T1 + 10,
        deadlineAt: T1 + 10 + 7 * DAY,
      });
      const items = await store.accessReviews.listItems({ roundId }, { limit: 50 });
      expect(items.items.map((i) => i.authorizationId)).toEqual([
        'rv-a1',
        'rv-a2',
        'rv-a6',
        'rv-a7',
      ]);
      expect(items.items[1]).toMatchObject({
        target: { hostId: 'rv-h1' },
        grantedBy: 'token:granter#1',
        decision: 'pending',
      });
      expect(await store.accessReviews.getCampaign('rv-c1')).toMatchObject({
        nextRoundAt: T1 + 30 * DAY,
      });
      // The robot again: nothing is due. A run that died before moving the campaign on
      // opens the same round again, adding nothing.
      expect(await openDueRounds(store, T1 + 20, log)).toEqual([]);
      expect(await openRound(store, before!, T1 + 30)).toEqual({
        roundId,
        items: 0,
        created: false,
      });
      expect(
        (await store.accessReviews.listRounds({ campaignId: 'rv-c1' }, { limit: 5 })).items,
      ).toHaveLength(1);
    });

    it('lets the owner decide, refuses another operator, and removes a revoked grant once', async () => {
      const { store } = ctx.get();
      const decide = (who: Decider, authorizationId: string, decision: 'confirmed' | 'revoked') =>
        decideReviewItem(
          store,
          queueInto(store, T1 + DAY),
          { roundId, authorizationId, decision, note: 'checked' },
          who,
          T1 + DAY,
        );
      await expect(decide(mallory, 'rv-a1', 'confirmed')).rejects.toMatchObject({
        code: 'FORBIDDEN',
      });
      expect(await store.accessReviews.getItem(roundId, 'rv-a1')).toMatchObject({
        decision: 'pending',
      });
      expect((await decide(alice, 'rv-a1', 'confirmed')).item).toMatchObject({
        decision: 'confirmed',
        decidedBy: 'token:alice#a1',
        note: 'checked',
      });
      await expect(decide(alice, 'rv-a1', 'revoked')).rejects.toMatchObject({ code: 'CONFLICT' });
      const revoked = await decide(alice, 'rv-a2', 'revoked');
      expect(revoked.jobId).toEqual(expect.any(String));
      expect(revoked.item).toMatchObject({ decision: 'revoked', removalJobId: revoked.jobId });
      expect(await store.authorizations.get('rv-a2')).toMatchObject({
        state: 'removed',
        removedBy: 'token:alice#a1',
      });
      await expect(decide(alice, 'rv-none', 'confirmed')).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      // A grant removed some other way during the round.
      await store.authorizations.transition(
        'rv-a6',
        ['active'],
        { state: 'removed', by: 'token:ops#o' },
        T1 + 2 * DAY,
      );
      const audit = await store.audit.list({ action: 'access-review.revoke' }, { limit: 10 });
      expect(audit.items.map((a) => [a.subject, a.actor])).toContainEqual([
        'rv-a2',
        'token:alice#a1',
      ]);
    });

    it('closes at the deadline: the unconfirmed grant is removed once, even when a run dies after queueing it', async () => {
      const { store } = ctx.get();
      const early = await closeDueRounds(store, T1 + 6 * DAY, queueInto(store, T1 + 6 * DAY), log);
      expect(early.closed).toEqual([]);
      const at = T1 + 8 * DAY;
      // The first run dies right after queueing the removal, before recording it.
      const dying: QueueRemoval = async (job) => {
        await queueInto(store, at)(job);
        throw new Error('killed');
      };
      await expect(closeDueRounds(store, at, dying, log)).rejects.toThrow('killed');
      const [first] = await removalsOf(store, 'rv-a7');
      expect(first).toBeDefined();
      // ... and its job ran to the end before the robot ran again: no dedupe key protects
      // it any more, only the record of the decision.
      await store.jobs.claim({
        workerId: 'w-rv',
        capacity: { 'remove-authorization': 5 },
        limit: 5,
        leaseMs: 60_000,
        now: at,
      });
      for (const j of await removalsOf(store, 'rv-a7'))
        await store.jobs.complete({ id: j.id, attempt: 1, workerId: 'w-rv' }, null, at);
      const rerun = await closeDueRounds(store, at + 60_000, queueInto(store, at + 60_000), log);
      // (the alert round may have closed in the run that died: rounds go newest first)
      expect(rerun.closed).toContain(roundId);
      expect(await store.accessReviews.getRound(alertRoundId)).toMatchObject({ state: 'closed' });
      expect((await removalsOf(store, 'rv-a7')).map((j) => j.id)).toEqual([first!.id]);
      expect(await store.authorizations.get('rv-a7')).toMatchObject({
        state: 'removed',
        removedBy: `access-review:${roundId}`,
      });
      expect(await store.accessReviews.getItem(roundId, 'rv-a7')).toMatchObject({
        decision: 'unconfirmed',
        action: 'remove',
        removalJobId: first!.id,
      });
      // The revoked one kept its single removal; the one removed by hand ended; the
      // confirmed one stays.
      expect(await removalsOf(store, 'rv-a2')).toHaveLength(1);
      expect(await store.accessReviews.getItem(roundId, 'rv-a6')).toMatchObject({
        decision: 'ended',
      });
      expect(await store.authorizations.get('rv-a1')).toMatchObject({ state: 'active' });
      expect(await store.accessReviews.countItems(roundId)).toEqual({
        pending: 0,
        confirmed: 1,
        revoked: 1,
        unconfirmed: 1,
        ended: 1,
      });
      expect(await store.accessReviews.getRound(roundId)).toMatchObject({
        state: 'closed',
        closedAt: at + 60_000,
      });
      // The alert campaign raised one alert and removed nothing.
      expect(await store.accessReviews.getItem(alertRoundId, 'rv-b1')).toMatchObject({
        decision: 'unconfirmed',
        action: 'alert',
        alertId: expect.any(String),
      });
      expect(await store.authorizations.get('rv-b1')).toMatchObject({ state: 'active' });
      expect(await removalsOf(store, 'rv-b1')).toEqual([]);
      // Once more: nothing left to do.
      expect(await closeDueRounds(store, at + DAY, queueInto(store, at + DAY), log)).toEqual({
        closed: [],
        removed: 0,
        alerted: 0,
        ended: 0,
      });
      expect(await removalsOf(store, 'rv-a7')).toHaveLength(1);
      const alerts = await store.alerts.list({ type: 'access-review-unconfirmed' }, { limit: 10 });
      expect(alerts.items.map((a) => a.subject)).toEqual(['rv-b1']);
      // Decisions after the close are refused.
      await expect(
        decideReviewItem(
          store,
          queueInto(store, at),
          { roundId, authorizationId: 'rv-a1', decision: 'revoked' },
          alice,
          at + DAY,
        ),
      ).rejects.toMatchObject({ code: 'CONFLICT' });
    });
  });
}
