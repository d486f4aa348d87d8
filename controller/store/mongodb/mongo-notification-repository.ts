/**
 * Email notification in MongoDB. The outbox decides "this message exists" by a unique
 * `_id` insert (atomic on every MongoDB-compatible server); the state moves are
 * conditional single-document updates, and only the one send-email job of a message makes
 * them, so FerretDB's non-atomic updates cannot race here.
 */
import type { Db, Filter } from 'mongodb';
import { conflict } from '../../../shared/errors';
import type {
  FeedCursorRecord,
  NotificationRuleRecord,
  OutboxMessage,
  SmtpSettingsRecord,
} from '../notification-records';
import type { NotificationRepository } from '../notification-store';
import { decodeOutboxCursor, encodeOutboxCursor } from '../outbox-cursor';
import { isDuplicateKey, upsertRetried } from './collections';
import { guarded } from './translate-errors';

type SmtpDoc = SmtpSettingsRecord & { _id: 'smtp' };
type RuleDoc = Omit<NotificationRuleRecord, 'id'> & { _id: string };
type OutboxDoc = Omit<OutboxMessage, 'id'> & { _id: string };
type CursorDoc = Omit<FeedCursorRecord, 'consumer'> & { _id: string };

const toRule = ({ _id, ...r }: RuleDoc): NotificationRuleRecord => ({ id: _id, ...r });
const toMessage = ({ _id, ...m }: OutboxDoc): OutboxMessage => ({ id: _id, ...m });

export function mongoNotificationRepository(db: Db): NotificationRepository {
  const settings = db.collection<SmtpDoc>('smtp_settings');
  const rules = db.collection<RuleDoc>('notification_rules');
  const outbox = db.collection<OutboxDoc>('email_outbox');
  const cursors = db.collection<CursorDoc>('feed_cursors');
  const getMessage = async (id: string) => {
    const doc = await outbox.findOne({ _id: id });
    return doc ? toMessage(doc) : null;
  };
  return guarded('notifications', {
    getSmtp: async () => {
      const doc = await settings.findOne({ _id: 'smtp' });
      if (!doc) return null;
      const { _id: _unused, ...rest } = doc;
      return rest;
    },
    putSmtp: async (s) => {
      await upsertRetried(() => settings.replaceOne({ _id: 'smtp' }, { ...s }, { upsert: true }));
    },
    addRule: async (rule) => {
      const { id, ...rest } = rule;
      try {
        await rules.insertOne({ _id: id, ...rest });
      } catch (err) {
        if (isDuplicateKey(err))
          throw conflict(`a notification rule ${id} exists`, { details: { id } });
        throw err;
      }
      return rule;
    },
    listRules: async () => (await rules.find({}).sort({ _id: 1 }).toArray()).map(toRule),
    removeRule: async (id) => (await rules.deleteOne({ _id: id })).deletedCount > 0,
    addMessage: async (m, now) => {
      const { id, ...content } = m;
      const doc: OutboxDoc = {
        _id: id,
        ...content,
        state: 'queued',
        attempts: 0,
        lastError: null,
        serverResponse: null,
        createdAt: now,
        updatedAt: now,
        sentAt: null,
      };
      try {
        await outbox.insertOne(doc);
        return { message: toMessage(doc), created: true };
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        return { message: (await getMessage(id))!, created: false };
      }
    },
    getMessage,
    listMessages: async (f, p) => {
      const and: Filter<OutboxDoc>[] = [];
      if (f.state) and.push({ state: { $in: f.state } });
      if (p.after !== undefined) {
        const [at, id] = decodeOutboxCursor(p.after);
        and.push({ $or: [{ createdAt: { $lt: at } }, { createdAt: at, _id: { $lt: id } }] });
      }
      const docs = await outbox
        .find(and.length ? { $and: and } : {})
        .sort({ createdAt: -1, _id: -1 })
        .limit(p.limit + 1)
        .toArray();
      const items = docs.slice(0, p.limit).map(toMessage);
      const last = items[items.length - 1];
      return {
        items,
        nextCursor: docs.length > p.limit && last ? encodeOutboxCursor(last) : null,
      };
    },
    markSending: async (id, now) => {
      const doc = await outbox.findOneAndUpdate(
        { _id: id, state: { $in: ['queued', 'sending', 'failed'] } },
        { $set: { state: 'sending', updatedAt: now }, $inc: { attempts: 1 } },
        { returnDocument: 'after' },
      );
      return doc ? toMessage(doc) : null;
    },
    markSent: async (id, response, now) =>
      (
        await outbox.updateOne(
          { _id: id, state: 'sending' },
          {
            $set: {
              state: 'sent',
              serverResponse: response,
              sentAt: now,
              updatedAt: now,
              lastError: null,
            },
          },
        )
      ).modifiedCount > 0,
    noteFailure: async (id, error, final, now) => {
      await outbox.updateOne(
        { _id: id, state: { $ne: 'sent' } },
        { $set: { lastError: error, updatedAt: now, ...(final ? { state: 'failed' } : {}) } },
      );
    },
    purgeMessages: async (before) =>
      (await outbox.deleteMany({ state: { $in: ['sent', 'failed'] }, createdAt: { $lt: before } }))
        .deletedCount,
    getCursor: async (consumer) => {
      const doc = await cursors.findOne({ _id: consumer });
      if (!doc) return null;
      const { _id, ...rest } = doc;
      return { consumer: _id, ...rest };
    },
    putCursor: async ({ consumer, ...rest }) => {
      await upsertRetried(() => cursors.replaceOne({ _id: consumer }, rest, { upsert: true }));
    },
  } satisfies NotificationRepository);
}
