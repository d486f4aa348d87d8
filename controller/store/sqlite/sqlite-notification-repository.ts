/** Email notification in the embedded store: settings, rules, outbox, feed cursors. */
import type Database from 'better-sqlite3';
import { conflict } from '../../../shared/errors';
import type {
  FeedCursorRecord,
  NotificationRuleRecord,
  OutboxMessage,
  OutboxState,
  SmtpSettingsRecord,
} from '../notification-records';
import type { NotificationRepository } from '../notification-store';
import { decodeOutboxCursor, encodeOutboxCursor } from '../outbox-cursor';
import { placeholders, stmt } from './statements';

interface OutboxRow {
  id: string;
  content: string;
  state: OutboxState;
  attempts: number;
  last_error: string | null;
  server_response: string | null;
  created_at: number;
  updated_at: number;
  sent_at: number | null;
}

type Content = Omit<
  OutboxMessage,
  'state' | 'attempts' | 'lastError' | 'serverResponse' | 'createdAt' | 'updatedAt' | 'sentAt'
>;

const toMessage = (r: OutboxRow): OutboxMessage => ({
  ...(JSON.parse(r.content) as Content),
  state: r.state,
  attempts: r.attempts,
  lastError: r.last_error,
  serverResponse: r.server_response,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  sentAt: r.sent_at,
});

export function sqliteNotificationRepository(db: Database.Database): NotificationRepository {
  const getMessage = (id: string) => {
    const row = stmt(db, 'SELECT * FROM email_outbox WHERE id = ?').get(id) as
      OutboxRow | undefined;
    return row ? toMessage(row) : null;
  };
  return {
    getSmtp: async () => {
      const row = stmt(db, 'SELECT data FROM smtp_settings WHERE id = 1').get() as
        { data: string } | undefined;
      return row ? (JSON.parse(row.data) as SmtpSettingsRecord) : null;
    },
    putSmtp: async (s) => {
      stmt(
        db,
        `INSERT INTO smtp_settings (id, data, updated_at) VALUES (1, ?, ?)
         ON CONFLICT (id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at`,
      ).run(JSON.stringify(s), s.updatedAt);
    },
    addRule: async (rule) => {
      const res = stmt(
        db,
        'INSERT INTO notification_rules (id, data, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
      ).run(rule.id, JSON.stringify(rule), rule.createdAt);
      if (res.changes === 0)
        throw conflict(`a notification rule ${rule.id} exists`, { details: { id: rule.id } });
      return rule;
    },
    listRules: async () =>
      (
        stmt(db, 'SELECT data FROM notification_rules ORDER BY id').all() as Array<{
          data: string;
        }>
      ).map((r) => JSON.parse(r.data) as NotificationRuleRecord),
    removeRule: async (id) =>
      stmt(db, 'DELETE FROM notification_rules WHERE id = ?').run(id).changes > 0,
    addMessage: async (m, now) => {
      const row = stmt(
        db,
        `INSERT INTO email_outbox (id, content, state, created_at, updated_at)
         VALUES (?, ?, 'queued', ?, ?) ON CONFLICT DO NOTHING RETURNING *`,
      ).get(m.id, JSON.stringify(m), now, now) as OutboxRow | undefined;
      if (row) return { message: toMessage(row), created: true };
      return { message: getMessage(m.id)!, created: false };
    },
    getMessage: async (id) => getMessage(id),
    listMessages: async (f, p) => {
      const where: string[] = [];
      const args: unknown[] = [];
      if (f.state) {
        where.push(f.state.length ? `state IN (${placeholders(f.state.length)})` : '0');
        args.push(...f.state);
      }
      if (p.after !== undefined) {
        const [at, id] = decodeOutboxCursor(p.after);
        where.push('(created_at < ? OR (created_at = ? AND id < ?))');
        args.push(at, at, id);
      }
      const rows = db
        .prepare(
          `SELECT * FROM email_outbox ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
           ORDER BY created_at DESC, id DESC LIMIT ?`,
        )
        .all(...args, p.limit + 1) as OutboxRow[];
      const items = rows.slice(0, p.limit).map(toMessage);
      const last = items[items.length - 1];
      return {
        items,
        nextCursor: rows.length > p.limit && last ? encodeOutboxCursor(last) : null,
      };
    },
    markSending: async (id, now) => {
      const row = stmt(
        db,
        `UPDATE email_outbox SET state = 'sending', attempts = attempts + 1, updated_at = ?
         WHERE id = ? AND state IN ('queued', 'sending', 'failed') RETURNING *`,
      ).get(now, id) as OutboxRow | undefined;
      return row ? toMessage(row) : null;
    },
    markSent: async (id, response, now) =>
      stmt(
        db,
        `UPDATE email_outbox SET state = 'sent', server_response = ?, sent_at = ?, updated_at = ?,
           last_error = NULL
         WHERE id = ? AND state = 'sending'`,
      ).run(response, now, now, id).changes > 0,
    noteFailure: async (id, error, final, now) => {
      stmt(
        db,
        `UPDATE email_outbox SET last_error = ?, updated_at = ?,
           state = CASE WHEN ? THEN 'failed' ELSE state END
         WHERE id = ? AND state <> 'sent'`,
      ).run(error, now, final ? 1 : 0, id);
    },
    purgeMessages: async (before) =>
      stmt(db, `DELETE FROM email_outbox WHERE state IN ('sent', 'failed') AND created_at < ?`).run(
        before,
      ).changes,
    getCursor: async (consumer) => {
      const row = stmt(db, 'SELECT * FROM feed_cursors WHERE consumer = ?').get(consumer) as
        | { consumer: string; cursor: string | null; pending_to: string | null; updated_at: number }
        | undefined;
      return row
        ? {
            consumer: row.consumer,
            cursor: row.cursor,
            pendingTo: row.pending_to,
            updatedAt: row.updated_at,
          }
        : null;
    },
    putCursor: async (c: FeedCursorRecord) => {
      stmt(
        db,
        `INSERT INTO feed_cursors (consumer, cursor, pending_to, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (consumer) DO UPDATE SET cursor = excluded.cursor,
           pending_to = excluded.pending_to, updated_at = excluded.updated_at`,
      ).run(c.consumer, c.cursor, c.pendingTo, c.updatedAt);
    },
  };
}
