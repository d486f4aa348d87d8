/**
 * The data archiver's view of the embedded store: the rows a retention rule matches, read
 * as stored, and a delete restricted to the ids already archived. Each rule repeats the
 * predicate of the purge it stands for (recover-jobs.ts purgeEnded, the alert, audit,
 * reporting, key-usage and outbox purges), so archiving changes what is kept nowhere.
 */
import type Database from 'better-sqlite3';
import { FINAL_JOB_STATES } from '../records';
import { idFloorAt } from '../ids';
import type { ExpiredRecord, RetentionRepository, RetentionRule } from '../archive-store';
import { placeholders } from './statements';

/** key_usage has a composite key: its archive id joins the four parts with US (0x1f). */
const KEY_USAGE_ID = `host_id || char(31) || account || char(31) || fingerprint || char(31) || source`;

interface Shape {
  table: string;
  idExpr: string;
  where: string;
  args: unknown[];
}

function shapeOf(rule: RetentionRule): Shape {
  switch (rule.kind) {
    case 'jobs': {
      const states = (rule.states ?? FINAL_JOB_STATES).filter((s) => FINAL_JOB_STATES.includes(s));
      const types = rule.types;
      return {
        table: 'jobs',
        idExpr: 'id',
        where:
          `finished_at IS NOT NULL AND finished_at < ? AND state IN (${placeholders(states.length) || 'NULL'})` +
          (types ? ` AND type IN (${placeholders(types.length) || 'NULL'})` : ''),
        args: [rule.before, ...states, ...(types ?? [])],
      };
    }
    case 'alerts':
      return {
        table: 'alerts',
        idExpr: 'id',
        where: `state IN (${placeholders(rule.states.length) || 'NULL'}) AND updated_at < ?`,
        args: [...rule.states, rule.before],
      };
    case 'audit':
      return {
        table: 'audit',
        idExpr: 'id',
        where: 'id < ? AND at < ?',
        args: [idFloorAt(rule.before), rule.before],
      };
    case 'reporting-data':
      return {
        table: 'reporting_data',
        idExpr: 'id',
        where: 'created_at < ?',
        args: [rule.before],
      };
    case 'key-activity':
      return {
        table: 'key_usage',
        idExpr: KEY_USAGE_ID,
        where: 'last_used_at < ?',
        args: [rule.before],
      };
    case 'email-outbox':
      return {
        table: 'email_outbox',
        idExpr: 'id',
        where: `state IN ('sent', 'failed') AND created_at < ?`,
        args: [rule.before],
      };
  }
}

/** A row as JSON: blobs as base64 (none of these tables has one today). */
function jsonSafe(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row))
    out[k] = Buffer.isBuffer(v) ? { base64: v.toString('base64') } : v;
  return out;
}

export function sqliteRetentionRepository(db: Database.Database): RetentionRepository {
  const eventsOf = (ids: readonly string[]) =>
    db
      .prepare(
        `SELECT * FROM alert_events WHERE alert_id IN (${placeholders(ids.length)}) ORDER BY seq`,
      )
      .all(...ids) as Array<{ alert_id: string } & Record<string, unknown>>;

  const remove = db.transaction((rule: RetentionRule, ids: readonly string[]): string[] => {
    const s = shapeOf(rule);
    const deleted: string[] = [];
    // One id at a time within one transaction: a list this size (a batch) is cheap, and the
    // rule's predicate is checked again for each, so a changed row stays.
    const del = db.prepare(
      `DELETE FROM ${s.table} WHERE ${s.idExpr} = ? AND ${s.where} RETURNING ${s.idExpr} AS id`,
    );
    for (const id of ids) {
      const row = del.get(id, ...s.args) as { id: string } | undefined;
      if (row) deleted.push(row.id);
    }
    if (rule.kind === 'alerts' && deleted.length)
      db.prepare(
        `DELETE FROM alert_events WHERE alert_id IN (${placeholders(deleted.length)})`,
      ).run(...deleted);
    return deleted;
  });

  return {
    listExpired: async (rule, limit) => {
      const s = shapeOf(rule);
      const rows = db
        .prepare(
          `SELECT ${s.idExpr} AS archive_id, * FROM ${s.table} WHERE ${s.where}
           ORDER BY ${s.idExpr === 'id' ? 'id' : 'host_id, account, fingerprint, source'} LIMIT ?`,
        )
        .all(...s.args, limit) as Array<{ archive_id: string } & Record<string, unknown>>;
      const out: ExpiredRecord[] = rows.map(({ archive_id, ...row }) => ({
        id: archive_id,
        record: jsonSafe(row),
      }));
      if (rule.kind === 'alerts' && out.length) {
        const events = eventsOf(out.map((r) => r.id));
        for (const r of out) r.record.events = events.filter((e) => e.alert_id === r.id);
      }
      return out;
    },
    deleteExpired: async (rule, ids) => (ids.length ? remove(rule, ids) : []),
  };
}
