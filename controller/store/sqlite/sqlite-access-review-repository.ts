/** Access review campaigns, rounds and items in the embedded store (access-review-store.ts). */
import type Database from 'better-sqlite3';
import { conflict } from '../../../shared/errors';
import {
  ITEM_DECISIONS,
  type ItemDecision,
  type ReviewCampaignRecord,
  type ReviewItemRecord,
  type ReviewRoundRecord,
} from '../access-review-records';
import type { AccessReviewRepository } from '../access-review-store';
import { addWhere, page } from './page-query';
import { placeholders, stmt } from './statements';

interface CampaignRow {
  id: string;
  name: string;
  group_id: string;
  application_id: string | null;
  owner: string;
  period_ms: number;
  deadline_ms: number;
  on_unconfirmed: string;
  next_round_at: number | null;
  stopped_by: string | null;
  stopped_at: number | null;
  created_by: string;
  created_at: number;
  updated_at: number;
}
const toCampaign = (r: CampaignRow): ReviewCampaignRecord => ({
  id: r.id,
  name: r.name,
  groupId: r.group_id,
  applicationId: r.application_id,
  owner: r.owner,
  periodMs: r.period_ms,
  deadlineMs: r.deadline_ms,
  onUnconfirmed: r.on_unconfirmed as ReviewCampaignRecord['onUnconfirmed'],
  nextRoundAt: r.next_round_at,
  stoppedBy: r.stopped_by,
  stoppedAt: r.stopped_at,
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

interface RoundRow {
  id: string;
  campaign_id: string;
  group_id: string;
  application_id: string | null;
  owner: string;
  on_unconfirmed: string;
  state: string;
  due_at: number;
  opened_at: number;
  deadline_at: number;
  closed_at: number | null;
}
const toRound = (r: RoundRow): ReviewRoundRecord => ({
  id: r.id,
  campaignId: r.campaign_id,
  groupId: r.group_id,
  applicationId: r.application_id,
  owner: r.owner,
  onUnconfirmed: r.on_unconfirmed as ReviewRoundRecord['onUnconfirmed'],
  state: r.state as ReviewRoundRecord['state'],
  dueAt: r.due_at,
  openedAt: r.opened_at,
  deadlineAt: r.deadline_at,
  closedAt: r.closed_at,
});

interface ItemRow {
  round_id: string;
  authorization_id: string;
  campaign_id: string;
  fingerprint: string;
  account: string;
  target: string;
  options: string;
  expires_at: number | null;
  granted_by: string;
  granted_at: number;
  decision: string;
  decided_by: string | null;
  decided_at: number | null;
  note: string | null;
  action: string | null;
  removal_job_id: string | null;
  alert_id: string | null;
}
const toItem = (r: ItemRow): ReviewItemRecord => ({
  roundId: r.round_id,
  campaignId: r.campaign_id,
  authorizationId: r.authorization_id,
  fingerprint: r.fingerprint,
  account: r.account,
  target: JSON.parse(r.target) as ReviewItemRecord['target'],
  options: JSON.parse(r.options) as ReviewItemRecord['options'],
  expiresAt: r.expires_at,
  grantedBy: r.granted_by,
  grantedAt: r.granted_at,
  decision: r.decision as ItemDecision,
  decidedBy: r.decided_by,
  decidedAt: r.decided_at,
  note: r.note,
  action: r.action as ReviewItemRecord['action'],
  removalJobId: r.removal_job_id,
  alertId: r.alert_id,
});

export function sqliteAccessReviewRepository(db: Database.Database): AccessReviewRepository {
  const getCampaign = (id: string) => {
    const row = stmt(db, 'SELECT * FROM review_campaigns WHERE id = ?').get(id) as
      CampaignRow | undefined;
    return row ? toCampaign(row) : null;
  };
  const getRound = (id: string) => {
    const row = stmt(db, 'SELECT * FROM review_rounds WHERE id = ?').get(id) as
      RoundRow | undefined;
    return row ? toRound(row) : null;
  };
  const getItem = (roundId: string, authorizationId: string) => {
    const row = stmt(
      db,
      'SELECT * FROM review_items WHERE round_id = ? AND authorization_id = ?',
    ).get(roundId, authorizationId) as ItemRow | undefined;
    return row ? toItem(row) : null;
  };
  const insertItem = (i: ReviewItemRecord): number =>
    stmt(
      db,
      `INSERT INTO review_items (round_id, authorization_id, campaign_id, fingerprint, account,
        target, options, expires_at, granted_by, granted_at, decision, decided_by, decided_at,
        note, action, removal_job_id, alert_id)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT(round_id, authorization_id) DO NOTHING`,
    ).run(
      i.roundId,
      i.authorizationId,
      i.campaignId,
      i.fingerprint,
      i.account,
      JSON.stringify(i.target),
      JSON.stringify(i.options),
      i.expiresAt,
      i.grantedBy,
      i.grantedAt,
      i.decision,
      i.decidedBy,
      i.decidedAt,
      i.note,
      i.action,
      i.removalJobId,
      i.alertId,
    ).changes;
  return {
    createCampaign: async (c) => {
      try {
        stmt(
          db,
          `INSERT INTO review_campaigns (id, name, group_id, application_id, owner, period_ms,
          deadline_ms, on_unconfirmed, next_round_at, stopped_by, stopped_at, created_by,
          created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          c.id,
          c.name,
          c.groupId,
          c.applicationId,
          c.owner,
          c.periodMs,
          c.deadlineMs,
          c.onUnconfirmed,
          c.nextRoundAt,
          c.stoppedBy,
          c.stoppedAt,
          c.createdBy,
          c.createdAt,
          c.updatedAt,
        );
      } catch (cause) {
        if ((cause as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY')
          throw conflict(`a review campaign with id ${c.id} exists`, {
            cause,
            details: { id: c.id },
          });
        throw cause;
      }
      return getCampaign(c.id) as ReviewCampaignRecord;
    },
    getCampaign: async (id) => getCampaign(id),
    listCampaigns: async (f, p) => {
      const where: string[] = [];
      const args: unknown[] = [];
      addWhere(where, args, f.groupId, 'group_id = ?', f.groupId);
      return page(db, 'review_campaigns', where, args, p, toCampaign);
    },
    listDueCampaigns: async (now, limit) =>
      (
        stmt(
          db,
          'SELECT * FROM review_campaigns WHERE next_round_at <= ? ORDER BY next_round_at LIMIT ?',
        ).all(now, limit) as CampaignRow[]
      ).map(toCampaign),
    stopCampaign: async (id, by, now) =>
      stmt(
        db,
        `UPDATE review_campaigns SET next_round_at = NULL, stopped_by = ?, stopped_at = ?,
        updated_at = ? WHERE id = ? AND stopped_at IS NULL`,
      ).run(by, now, now, id).changes === 1
        ? getCampaign(id)
        : null,
    advanceCampaign: async (id, expected, next, now) =>
      stmt(
        db,
        'UPDATE review_campaigns SET next_round_at = ?, updated_at = ? WHERE id = ? AND next_round_at = ?',
      ).run(next, now, id, expected).changes === 1,
    openRound: async (r) => {
      const changes = stmt(
        db,
        `INSERT INTO review_rounds (id, campaign_id, group_id, application_id, owner,
        on_unconfirmed, state, due_at, opened_at, deadline_at, closed_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING`,
      ).run(
        r.id,
        r.campaignId,
        r.groupId,
        r.applicationId,
        r.owner,
        r.onUnconfirmed,
        r.state,
        r.dueAt,
        r.openedAt,
        r.deadlineAt,
        r.closedAt,
      ).changes;
      return { round: getRound(r.id) as ReviewRoundRecord, created: changes === 1 };
    },
    getRound: async (id) => getRound(id),
    listRounds: async (f, p) => {
      const where: string[] = [];
      const args: unknown[] = [];
      addWhere(where, args, f.campaignId, 'campaign_id = ?', f.campaignId);
      if (f.state) {
        where.push(f.state.length ? `state IN (${placeholders(f.state.length)})` : '0');
        args.push(...f.state);
      }
      return page(db, 'review_rounds', where, args, p, toRound);
    },
    transitionRound: async (id, from, to, now) => {
      const changed = stmt(
        db,
        `UPDATE review_rounds SET state = ?,
        closed_at = CASE WHEN ? = 'closed' THEN coalesce(closed_at, ?) ELSE closed_at END
        WHERE id = ? AND state = ?`,
      ).run(to, to, now, id, from).changes;
      return changed === 1 ? getRound(id) : null;
    },
    addItems: async (items) =>
      db.transaction(() => items.reduce((n, i) => n + insertItem(i), 0)).immediate(),
    getItem: async (r, a) => getItem(r, a),
    listItems: async (f, p) => {
      const where: string[] = [];
      const args: unknown[] = [];
      addWhere(where, args, f.roundId, 'round_id = ?', f.roundId);
      addWhere(where, args, f.authorizationId, 'authorization_id = ?', f.authorizationId);
      if (f.decision) {
        where.push(f.decision.length ? `decision IN (${placeholders(f.decision.length)})` : '0');
        args.push(...f.decision);
      }
      if (f.removalUnqueued) where.push(`action = 'remove' AND removal_job_id IS NULL`);
      if (p.after !== undefined) {
        const bar = p.after.indexOf('|');
        where.push('(round_id, authorization_id) > (?, ?)');
        args.push(p.after.slice(0, bar), p.after.slice(bar + 1));
      }
      const sql = `SELECT * FROM review_items ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY round_id, authorization_id LIMIT ?`;
      const rows = db.prepare(sql).all(...args, p.limit + 1) as ItemRow[];
      const items = rows.slice(0, p.limit).map(toItem);
      const last = items[items.length - 1];
      return {
        items,
        nextCursor:
          rows.length > p.limit && last ? `${last.roundId}|${last.authorizationId}` : null,
      };
    },
    countItems: async (roundId) => {
      const counts = Object.fromEntries(ITEM_DECISIONS.map((d) => [d, 0])) as Record<
        ItemDecision,
        number
      >;
      const rows = stmt(
        db,
        'SELECT decision, count(*) AS n FROM review_items WHERE round_id = ? GROUP BY decision',
      ).all(roundId) as Array<{ decision: ItemDecision; n: number }>;
      for (const r of rows) counts[r.decision] = r.n;
      return counts;
    },
    decideItem: async (roundId, authorizationId, c) => {
      const changed = stmt(
        db,
        `UPDATE review_items SET decision = ?, decided_by = ?, decided_at = ?, note = ?, action = ?
        WHERE round_id = ? AND authorization_id = ? AND decision = 'pending'`,
      ).run(
        c.decision,
        c.by,
        c.at,
        c.note ?? null,
        c.action ?? null,
        roundId,
        authorizationId,
      ).changes;
      return changed === 1 ? getItem(roundId, authorizationId) : null;
    },
    recordItemAction: async (roundId, authorizationId, done) => {
      stmt(
        db,
        `UPDATE review_items SET removal_job_id = coalesce(?, removal_job_id),
        alert_id = coalesce(?, alert_id) WHERE round_id = ? AND authorization_id = ?`,
      ).run(done.removalJobId ?? null, done.alertId ?? null, roundId, authorizationId);
    },
  };
}
