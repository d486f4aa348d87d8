/**
 * Approvals, approval policies, the IMAP settings and collected mail in MongoDB. Where one
 * winner matters a unique `_id` insert decides, because MongoDB-compatible servers such as
 * FerretDB do not update atomically: one decision per approver (`_id` request + approver),
 * one application per request, one reminder per approver, and one writer per version of a request (every state
 * change is a compare-and-set through mongo-approval-versions.ts).
 */
import type { Db, Filter } from 'mongodb';
import { conflict } from '../../../shared/errors';
import type {
  ApprovalDecisionRecord,
  ApprovalPolicyRecord,
  ImapSettingsRecord,
  InboundMailRecord,
} from '../approval-records';
import { amendedRequest } from '../amend-approval';
import type { ApprovalRepository } from '../approval-store';
import { isDuplicateKey, upsertRetried } from './collections';
import {
  approvalRequestVersions,
  fromRequest,
  type RequestDoc,
  type VersionDoc,
} from './mongo-approval-versions';
import { guarded } from './translate-errors';

type DecisionDoc = ApprovalDecisionRecord & { _id: string };
type PolicyDoc = ApprovalPolicyRecord & { _id: string };
type ImapDoc = ImapSettingsRecord & { _id: 'imap' };
type InboundDoc = Omit<InboundMailRecord, 'id'> & { _id: string };

const fromInbound = ({ _id, ...rest }: InboundDoc): InboundMailRecord => ({ id: _id, ...rest });
const strip = <T extends { _id: unknown }>({ _id: _unused, ...rest }: T): Omit<T, '_id'> => rest;

async function insertOnce(insert: () => Promise<unknown>): Promise<boolean> {
  try {
    await insert();
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}

export function mongoApprovalRepository(db: Db): ApprovalRepository {
  const requests = db.collection<RequestDoc>('approval_requests');
  const versioned = approvalRequestVersions(
    requests,
    db.collection<VersionDoc>('approval_request_versions'),
  );
  const decisions = db.collection<DecisionDoc>('approval_decisions');
  const applications = db.collection<{ _id: string; at: number }>('approval_applications');
  const reminders = db.collection<{ _id: string; at: number }>('approval_reminders');
  const policies = db.collection<PolicyDoc>('approval_policies');
  const imap = db.collection<ImapDoc>('imap_settings');
  const inbound = db.collection<InboundDoc>('inbound_mail');
  return guarded('approvals', {
    createRequest: async (r) => {
      const { id, ...rest } = r;
      if (!(await insertOnce(() => requests.insertOne({ _id: id, ...rest }))))
        throw conflict(`an approval request ${id} exists`, { details: { id } });
    },
    getRequest: async (id) => {
      const doc = await versioned.get(id);
      return doc ? fromRequest(doc) : null;
    },
    listRequests: async (f, p) => {
      const q: Filter<RequestDoc> = {};
      if (f.state) q.state = { $in: f.state };
      if (f.subjectKey !== undefined) q.subjectKey = f.subjectKey;
      if (f.expiresBefore !== undefined) q.expiresAt = { $lt: f.expiresBefore };
      if (p.after !== undefined) q._id = { $lt: p.after };
      const docs = await requests
        .find(q)
        .sort({ _id: -1 })
        .limit(p.limit + 1)
        .toArray();
      const page = docs.slice(0, p.limit);
      const last = page[page.length - 1];
      // A request whose document lags its newest version is shown as that version, and
      // left out when that version no longer matches (the cursor still follows the page).
      const items = (await versioned.rollForward(page))
        .filter(
          (d) =>
            (!f.state || f.state.includes(d.state)) &&
            (f.subjectKey === undefined || d.subjectKey === f.subjectKey),
        )
        .map(fromRequest);
      return { items, nextCursor: docs.length > p.limit && last ? last._id : null };
    },
    transition: (id, from, state, patch, now) =>
      versioned.change(id, (cur) =>
        from.includes(cur.state)
          ? {
              ...cur,
              state,
              updatedAt: now,
              ...(patch.decidedAt !== undefined ? { decidedAt: patch.decidedAt } : {}),
              ...(patch.outcome !== undefined ? { outcome: patch.outcome } : {}),
              ...(patch.subjectKey === null ? { subjectKey: null } : {}),
              ...(patch.cancellation !== undefined ? { cancellation: patch.cancellation } : {}),
            }
          : null,
      ),
    detachSubject: async (id, now) => {
      await versioned.change(id, (cur) => ({ ...cur, subjectKey: null, updatedAt: now }));
    },
    addDecision: (d) =>
      insertOnce(() => decisions.insertOne({ _id: `${d.requestId}\n${d.approver}`, ...d })),
    listDecisions: async (requestId) =>
      (await decisions.find({ requestId }).sort({ at: 1, _id: 1 }).toArray()).map(strip),
    claimApplication: (requestId, now) =>
      insertOnce(() => applications.insertOne({ _id: requestId, at: now })),
    claimReminder: (requestId, approver, now) =>
      insertOnce(() => reminders.insertOne({ _id: `${requestId}\n${approver}`, at: now })),
    amendPending: (id, add, now) => versioned.change(id, (cur) => amendedRequest(cur, add, now)),

    putPolicy: async (p) => {
      await upsertRetried(() =>
        policies.replaceOne({ _id: p.hostGroupId }, { ...p }, { upsert: true }),
      );
    },
    getPolicy: async (hostGroupId) => {
      const doc = await policies.findOne({ _id: hostGroupId });
      return doc ? strip(doc) : null;
    },
    listPolicies: async () => (await policies.find({}).sort({ _id: 1 }).toArray()).map(strip),
    removePolicy: async (hostGroupId) =>
      (await policies.deleteOne({ _id: hostGroupId })).deletedCount > 0,

    getImap: async () => {
      const doc = await imap.findOne({ _id: 'imap' });
      return doc ? strip(doc) : null;
    },
    putImap: async (s) => {
      if (s === null) await imap.deleteOne({ _id: 'imap' });
      else await upsertRetried(() => imap.replaceOne({ _id: 'imap' }, { ...s }, { upsert: true }));
    },
    addInbound: (m) => {
      const { id, ...rest } = m;
      return insertOnce(() => inbound.insertOne({ _id: id, ...rest }));
    },
    listInbound: async (f, limit) =>
      (
        await inbound
          .find(f.state ? { state: f.state } : {})
          .sort({ collectedAt: 1, _id: 1 })
          .limit(limit)
          .toArray()
      ).map(fromInbound),
    markInboundProcessed: async (id, outcome, now) =>
      (
        await inbound.updateOne(
          { _id: id, state: 'new' },
          { $set: { state: 'processed', sealed: null, outcome, processedAt: now } },
        )
      ).modifiedCount > 0,
    purgeInbound: async (before) =>
      (await inbound.deleteMany({ state: 'processed', collectedAt: { $lt: before } })).deletedCount,
  });
}
