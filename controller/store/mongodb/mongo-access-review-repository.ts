/**
 * Access review campaigns, rounds and items in MongoDB. A round's `_id` is its id (one per
 * campaign and due time), so opening it again after a crash is a duplicate insert that
 * finds it; an item's `_id` is `${roundId}|${authorizationId}`, inserted once. A decision is
 * a conditional update from `pending`: on a server whose updates are not atomic (FerretDB)
 * an owner's decision racing the deadline may both win; the removal they may both queue
 * carries the item's dedupe key, so the queue holds one.
 */
import type { Db, Filter } from 'mongodb';
import { conflict } from '../../../shared/errors';
import {
  ITEM_DECISIONS,
  type ItemDecision,
  type ReviewCampaignRecord,
  type ReviewItemRecord,
  type ReviewRoundRecord,
} from '../access-review-records';
import type { AccessReviewRepository } from '../access-review-store';
import { isDuplicateKey } from './collections';
import { listPage } from './page';
import { guarded } from './translate-errors';

type CampaignDoc = Omit<ReviewCampaignRecord, 'id'> & { _id: string };
type RoundDoc = Omit<ReviewRoundRecord, 'id'> & { _id: string };
type ItemDoc = ReviewItemRecord & { _id: string };

const toCampaign = ({ _id, ...r }: CampaignDoc): ReviewCampaignRecord => ({ id: _id, ...r });
const toRound = ({ _id, ...r }: RoundDoc): ReviewRoundRecord => ({ id: _id, ...r });
const toItem = ({ _id: _unused, ...r }: ItemDoc): ReviewItemRecord => r;
const itemId = (roundId: string, authorizationId: string) => `${roundId}|${authorizationId}`;

export function mongoAccessReviewRepository(db: Db): AccessReviewRepository {
  const campaigns = db.collection<CampaignDoc>('review_campaigns');
  const rounds = db.collection<RoundDoc>('review_rounds');
  const items = db.collection<ItemDoc>('review_items');
  const getCampaign = async (id: string) => {
    const doc = await campaigns.findOne({ _id: id });
    return doc ? toCampaign(doc) : null;
  };
  const getRound = async (id: string) => {
    const doc = await rounds.findOne({ _id: id });
    return doc ? toRound(doc) : null;
  };
  const getItem = async (roundId: string, authorizationId: string) => {
    const doc = await items.findOne({ _id: itemId(roundId, authorizationId) });
    return doc ? toItem(doc) : null;
  };
  return guarded('accessReviews', {
    createCampaign: async ({ id, ...rest }) => {
      try {
        await campaigns.insertOne({ _id: id, ...rest });
      } catch (cause) {
        if (isDuplicateKey(cause))
          throw conflict(`a review campaign with id ${id} exists`, { cause, details: { id } });
        throw cause;
      }
      return (await getCampaign(id)) as ReviewCampaignRecord;
    },
    getCampaign,
    listCampaigns: async (f, page) =>
      listPage(campaigns, f.groupId !== undefined ? { groupId: f.groupId } : {}, page, toCampaign),
    listDueCampaigns: async (now, limit) =>
      (
        await campaigns
          .find({ nextRoundAt: { $lte: now } }, { sort: { nextRoundAt: 1 }, limit })
          .toArray()
      ).map(toCampaign),
    stopCampaign: async (id, by, now) => {
      const res = await campaigns.updateOne(
        { _id: id, stoppedAt: null },
        { $set: { nextRoundAt: null, stoppedBy: by, stoppedAt: now, updatedAt: now } },
      );
      return res.modifiedCount === 1 ? getCampaign(id) : null;
    },
    advanceCampaign: async (id, expected, next, now) =>
      (
        await campaigns.updateOne(
          { _id: id, nextRoundAt: expected },
          { $set: { nextRoundAt: next, updatedAt: now } },
        )
      ).modifiedCount === 1,
    openRound: async ({ id, ...rest }) => {
      try {
        await rounds.insertOne({ _id: id, ...rest });
        return { round: (await getRound(id)) as ReviewRoundRecord, created: true };
      } catch (cause) {
        if (!isDuplicateKey(cause)) throw cause;
        return { round: (await getRound(id)) as ReviewRoundRecord, created: false };
      }
    },
    getRound,
    listRounds: async (f, page) => {
      const filter: Filter<RoundDoc> = {};
      if (f.campaignId !== undefined) filter.campaignId = f.campaignId;
      if (f.state) filter.state = { $in: f.state };
      return listPage(rounds, filter, page, toRound);
    },
    transitionRound: async (id, from, to, now) => {
      const res = await rounds.updateOne(
        { _id: id, state: from },
        { $set: { state: to, ...(to === 'closed' ? { closedAt: now } : {}) } },
      );
      return res.modifiedCount === 1 ? getRound(id) : null;
    },
    addItems: async (list) => {
      if (list.length === 0) return 0;
      // Existing items are left as they are (decided ones above all): insert only the new.
      // Each insert is decided by its unique _id, so a second snapshot racing this one adds
      // each item once.
      const ids = list.map((i) => itemId(i.roundId, i.authorizationId));
      const have = new Set(
        (await items.find({ _id: { $in: ids } }, { projection: { _id: 1 } }).toArray()).map(
          (d) => d._id,
        ),
      );
      let added = 0;
      for (const i of list) {
        const _id = itemId(i.roundId, i.authorizationId);
        if (have.has(_id)) continue;
        try {
          await items.insertOne({ _id, ...i });
          added++;
        } catch (cause) {
          if (!isDuplicateKey(cause)) throw cause;
        }
        have.add(_id);
      }
      return added;
    },
    getItem,
    listItems: async (f, page) => {
      const and: Filter<ItemDoc>[] = [];
      if (f.roundId !== undefined) and.push({ roundId: f.roundId });
      if (f.authorizationId !== undefined) and.push({ authorizationId: f.authorizationId });
      if (f.decision) and.push({ decision: { $in: f.decision } });
      if (f.removalUnqueued) and.push({ action: 'remove', removalJobId: null });
      if (page.after !== undefined) {
        const bar = page.after.indexOf('|');
        const r = page.after.slice(0, bar);
        const a = page.after.slice(bar + 1);
        and.push({ $or: [{ roundId: { $gt: r } }, { roundId: r, authorizationId: { $gt: a } }] });
      }
      const docs = await items
        .find(and.length ? { $and: and } : {}, {
          sort: { roundId: 1, authorizationId: 1 },
          limit: page.limit + 1,
        })
        .toArray();
      const out = docs.slice(0, page.limit).map(toItem);
      const last = out[out.length - 1];
      return {
        items: out,
        nextCursor:
          docs.length > page.limit && last ? itemId(last.roundId, last.authorizationId) : null,
      };
    },
    countItems: async (roundId) => {
      const counts = {} as Record<ItemDecision, number>;
      for (const d of ITEM_DECISIONS)
        counts[d] = await items.countDocuments({ roundId, decision: d });
      return counts;
    },
    decideItem: async (roundId, authorizationId, c) => {
      const res = await items.updateOne(
        { _id: itemId(roundId, authorizationId), decision: 'pending' },
        {
          $set: {
            decision: c.decision,
            decidedBy: c.by,
            decidedAt: c.at,
            note: c.note ?? null,
            action: c.action ?? null,
          },
        },
      );
      return res.modifiedCount === 1 ? getItem(roundId, authorizationId) : null;
    },
    recordItemAction: async (roundId, authorizationId, done) => {
      await items.updateOne(
        { _id: itemId(roundId, authorizationId) },
        {
          $set: {
            ...(done.removalJobId !== undefined ? { removalJobId: done.removalJobId } : {}),
            ...(done.alertId !== undefined ? { alertId: done.alertId } : {}),
          },
        },
      );
    },
  } satisfies AccessReviewRepository);
}
