/** Approvals, approval policies, the IMAP settings and collected mail in the embedded store. */
import type Database from 'better-sqlite3';
import { conflict } from '../../../shared/errors';
import type {
  ApprovalDecisionRecord,
  ApprovalPolicyRecord,
  ApprovalRequestRecord,
  ImapSettingsRecord,
  InboundMailRecord,
} from '../approval-records';
import { amendedRequest } from '../amend-approval';
import type { ApprovalRepository } from '../approval-store';
import { placeholders, stmt } from './statements';

type DataRow = { data: string };
const parse = <T>(rows: unknown[]): T[] => (rows as DataRow[]).map((r) => JSON.parse(r.data) as T);

export function sqliteApprovalRepository(db: Database.Database): ApprovalRepository {
  const getRequest = (id: string): ApprovalRequestRecord | null =>
    parse<ApprovalRequestRecord>(
      stmt(db, 'SELECT data FROM approval_requests WHERE id = ?').all(id),
    )[0] ?? null;
  const write = (r: ApprovalRequestRecord) =>
    stmt(db, 'UPDATE approval_requests SET state = ?, subject_key = ?, data = ? WHERE id = ?').run(
      r.state,
      r.subjectKey,
      JSON.stringify(r),
      r.id,
    );
  const getInbound = (id: string): InboundMailRecord | null =>
    parse<InboundMailRecord>(stmt(db, 'SELECT data FROM inbound_mail WHERE id = ?').all(id))[0] ??
    null;

  return {
    createRequest: async (r) => {
      const res = stmt(
        db,
        `INSERT INTO approval_requests (id, state, subject_key, expires_at, data)
         VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      ).run(r.id, r.state, r.subjectKey, r.expiresAt, JSON.stringify(r));
      if (res.changes === 0)
        throw conflict(`an approval request ${r.id} exists`, { details: { id: r.id } });
    },
    getRequest: async (id) => getRequest(id),
    listRequests: async (f, p) => {
      const where: string[] = [];
      const args: unknown[] = [];
      if (f.state) {
        where.push(f.state.length ? `state IN (${placeholders(f.state.length)})` : '0');
        args.push(...f.state);
      }
      if (f.subjectKey !== undefined) {
        where.push('subject_key = ?');
        args.push(f.subjectKey);
      }
      if (f.expiresBefore !== undefined) {
        where.push('expires_at < ?');
        args.push(f.expiresBefore);
      }
      if (p.after !== undefined) {
        where.push('id < ?');
        args.push(p.after);
      }
      const rows = db
        .prepare(
          `SELECT data FROM approval_requests ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
           ORDER BY id DESC LIMIT ?`,
        )
        .all(...args, p.limit + 1);
      const items = parse<ApprovalRequestRecord>(rows).slice(0, p.limit);
      const last = items[items.length - 1];
      return { items, nextCursor: rows.length > p.limit && last ? last.id : null };
    },
    // One transaction: read, check the state, write; better-sqlite3 runs it without a
    // yield, so no other writer of this process or another sees the state in between.
    transition: async (id, from, state, patch, now) =>
      db
        .transaction(() => {
          const cur = getRequest(id);
          if (!cur || !from.includes(cur.state)) return null;
          const next: ApprovalRequestRecord = {
            ...cur,
            state,
            ...(patch.decidedAt !== undefined ? { decidedAt: patch.decidedAt } : {}),
            ...(patch.outcome !== undefined ? { outcome: patch.outcome } : {}),
            ...(patch.subjectKey === null ? { subjectKey: null } : {}),
            ...(patch.cancellation !== undefined ? { cancellation: patch.cancellation } : {}),
            updatedAt: now,
            version: (cur.version ?? 0) + 1,
          };
          write(next);
          return next;
        })
        .immediate(),
    detachSubject: async (id, now) => {
      db.transaction(() => {
        const cur = getRequest(id);
        if (cur)
          write({ ...cur, subjectKey: null, updatedAt: now, version: (cur.version ?? 0) + 1 });
      }).immediate();
    },
    addDecision: async (d) =>
      stmt(
        db,
        `INSERT INTO approval_decisions (request_id, approver, at, data) VALUES (?, ?, ?, ?)
         ON CONFLICT DO NOTHING`,
      ).run(d.requestId, d.approver, d.at, JSON.stringify(d)).changes > 0,
    listDecisions: async (requestId) =>
      parse<ApprovalDecisionRecord>(
        stmt(db, 'SELECT data FROM approval_decisions WHERE request_id = ? ORDER BY at, rowid').all(
          requestId,
        ),
      ),
    claimApplication: async (requestId, now) =>
      stmt(
        db,
        'INSERT INTO approval_applications (request_id, at) VALUES (?, ?) ON CONFLICT DO NOTHING',
      ).run(requestId, now).changes > 0,
    claimReminder: async (requestId, approver, now) =>
      stmt(
        db,
        `INSERT INTO approval_reminders (request_id, approver, at) VALUES (?, ?, ?)
         ON CONFLICT DO NOTHING`,
      ).run(requestId, approver, now).changes > 0,
    amendPending: async (id, add, now) =>
      db
        .transaction(() => {
          const cur = getRequest(id);
          const next = cur && amendedRequest(cur, add, now);
          if (!cur || !next) return null;
          const written = { ...next, version: (cur.version ?? 0) + 1 };
          write(written);
          return written;
        })
        .immediate(),

    putPolicy: async (p) => {
      stmt(
        db,
        `INSERT INTO approval_policies (host_group_id, data) VALUES (?, ?)
         ON CONFLICT (host_group_id) DO UPDATE SET data = excluded.data`,
      ).run(p.hostGroupId, JSON.stringify(p));
    },
    getPolicy: async (hostGroupId) =>
      parse<ApprovalPolicyRecord>(
        stmt(db, 'SELECT data FROM approval_policies WHERE host_group_id = ?').all(hostGroupId),
      )[0] ?? null,
    listPolicies: async () =>
      parse<ApprovalPolicyRecord>(
        stmt(db, 'SELECT data FROM approval_policies ORDER BY host_group_id').all(),
      ),
    removePolicy: async (hostGroupId) =>
      stmt(db, 'DELETE FROM approval_policies WHERE host_group_id = ?').run(hostGroupId).changes >
      0,

    getImap: async () =>
      parse<ImapSettingsRecord>(stmt(db, 'SELECT data FROM imap_settings').all())[0] ?? null,
    putImap: async (s) => {
      if (s === null) stmt(db, 'DELETE FROM imap_settings').run();
      else
        stmt(
          db,
          `INSERT INTO imap_settings (id, data) VALUES (1, ?)
           ON CONFLICT (id) DO UPDATE SET data = excluded.data`,
        ).run(JSON.stringify(s));
    },
    addInbound: async (m) =>
      stmt(
        db,
        `INSERT INTO inbound_mail (id, state, collected_at, data) VALUES (?, ?, ?, ?)
         ON CONFLICT DO NOTHING`,
      ).run(m.id, m.state, m.collectedAt, JSON.stringify(m)).changes > 0,
    listInbound: async (f, limit) =>
      f.state
        ? parse<InboundMailRecord>(
            stmt(
              db,
              'SELECT data FROM inbound_mail WHERE state = ? ORDER BY collected_at, id LIMIT ?',
            ).all(f.state, limit),
          )
        : parse<InboundMailRecord>(
            stmt(db, 'SELECT data FROM inbound_mail ORDER BY collected_at, id LIMIT ?').all(limit),
          ),
    markInboundProcessed: async (id, outcome, now) =>
      db
        .transaction(() => {
          const cur = getInbound(id);
          if (!cur || cur.state !== 'new') return false;
          const next: InboundMailRecord = {
            ...cur,
            state: 'processed',
            sealed: null,
            outcome,
            processedAt: now,
          };
          stmt(db, 'UPDATE inbound_mail SET state = ?, data = ? WHERE id = ?').run(
            next.state,
            JSON.stringify(next),
            id,
          );
          return true;
        })
        .immediate(),
    purgeInbound: async (before) =>
      stmt(db, "DELETE FROM inbound_mail WHERE state = 'processed' AND collected_at < ?").run(
        before,
      ).changes,
  };
}
