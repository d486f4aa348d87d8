/** The archive ledger and conciliation reports in MongoDB (migration 62). */
import type { Db } from 'mongodb';
import type {
  ArchiveBatchRecord,
  ArchiveLedgerRepository,
  ConciliationReportRecord,
} from '../archive-store';

type BatchDoc = Omit<ArchiveBatchRecord, 'id' | 'rule'> & { _id: string; rule: string };
type ReportDoc = Omit<ConciliationReportRecord, 'id' | 'differences'> & {
  _id: string;
  differences: string;
};

// Rules and differences as JSON text: free-form values round-trip on every server.
const toBatch = ({ _id, rule, ...b }: BatchDoc): ArchiveBatchRecord => ({
  id: _id,
  ...b,
  rule: JSON.parse(rule) as ArchiveBatchRecord['rule'],
});
const toReport = ({ _id, differences, ...r }: ReportDoc): ConciliationReportRecord => ({
  id: _id,
  ...r,
  differences: JSON.parse(differences) as ConciliationReportRecord['differences'],
});

export function mongoArchiveLedgerRepository(db: Db): ArchiveLedgerRepository {
  const batches = db.collection<BatchDoc>('archive_batches');
  const reports = db.collection<ReportDoc>('conciliation_reports');
  return {
    add: async ({ id, rule, ...b }) => {
      await batches.insertOne({ _id: id, ...b, rule: JSON.stringify(rule) });
    },
    markPurged: async (id, deletedIds, now) => {
      // Two purges may finish the same left-over batch: the first one's deleted ids stand.
      await batches.updateOne(
        { _id: id, state: 'archived' },
        { $set: { state: 'purged', deletedIds, purgedAt: now } },
      );
    },
    listUnpurged: async (limit) =>
      (await batches.find({ state: 'archived' }).sort({ _id: 1 }).limit(limit).toArray()).map(
        toBatch,
      ),
    list: async (p) => {
      const docs = await batches
        .find(p.after === undefined ? {} : { _id: { $gt: p.after } })
        .sort({ _id: 1 })
        .limit(p.limit + 1)
        .toArray();
      const items = docs.slice(0, p.limit).map(toBatch);
      return {
        items,
        nextCursor: docs.length > p.limit ? (items[items.length - 1]?.id ?? null) : null,
      };
    },
    addReport: async ({ id, differences, ...r }) => {
      await reports.insertOne({ _id: id, ...r, differences: JSON.stringify(differences) });
    },
    listReports: async (p) => {
      const docs = await reports
        .find(p.after === undefined ? {} : { _id: { $lt: p.after } })
        .sort({ _id: -1 })
        .limit(p.limit + 1)
        .toArray();
      const items = docs.slice(0, p.limit).map(toReport);
      return {
        items,
        nextCursor: docs.length > p.limit ? (items[items.length - 1]?.id ?? null) : null,
      };
    },
    getReport: async (id) => {
      const doc = await reports.findOne({ _id: id });
      return doc ? toReport(doc) : null;
    },
  };
}
