/** Key quarantines and export cursors (migration 49). */
import type Database from 'better-sqlite3';
import type {
  ExportCursorRecord,
  ExportCursorRepository,
  KeyQuarantineRecord,
  KeyQuarantineRepository,
} from '../retirement-records';
import { placeholders, stmt } from './statements';

interface QuarantineRow {
  id: string;
  fingerprint: string;
  host_id: string;
  account: string;
  file: string;
  original_line: string;
  quarantine_options: string;
  state: KeyQuarantineRecord['state'];
  quarantined_at: number;
  watch_until: number;
  updated_at: number;
  by: string;
  sshd_config_path: string | null;
}

const toQuarantine = (r: QuarantineRow): KeyQuarantineRecord => ({
  id: r.id,
  fingerprint: r.fingerprint,
  hostId: r.host_id,
  account: r.account,
  file: r.file,
  originalLine: r.original_line,
  quarantineOptions: JSON.parse(r.quarantine_options) as KeyQuarantineRecord['quarantineOptions'],
  state: r.state,
  quarantinedAt: r.quarantined_at,
  watchUntil: r.watch_until,
  updatedAt: r.updated_at,
  by: r.by,
  sshdConfigPath: r.sshd_config_path,
});

export function sqliteKeyQuarantineRepository(db: Database.Database): KeyQuarantineRepository {
  const get = (id: string) => {
    const row = stmt(db, 'SELECT * FROM key_quarantines WHERE id = ?').get(id) as
      QuarantineRow | undefined;
    return row ? toQuarantine(row) : null;
  };
  // An ended record (restored, deleted) is replaced by a new quarantine; an active one stays.
  const begin = db.transaction((r: KeyQuarantineRecord) => {
    stmt(
      db,
      `INSERT INTO key_quarantines (id, fingerprint, host_id, account, file, original_line,
        quarantine_options, state, quarantined_at, watch_until, updated_at, by, sshd_config_path)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET original_line = excluded.original_line,
        quarantine_options = excluded.quarantine_options, state = excluded.state,
        quarantined_at = excluded.quarantined_at, watch_until = excluded.watch_until,
        updated_at = excluded.updated_at, by = excluded.by,
        sshd_config_path = excluded.sshd_config_path
      WHERE key_quarantines.state IN ('restored', 'deleted')`,
    ).run(
      r.id,
      r.fingerprint,
      r.hostId,
      r.account,
      r.file,
      r.originalLine,
      JSON.stringify(r.quarantineOptions),
      r.state,
      r.quarantinedAt,
      r.watchUntil,
      r.updatedAt,
      r.by,
      r.sshdConfigPath,
    );
    return get(r.id) as KeyQuarantineRecord;
  });
  return {
    begin: async (r) => begin.immediate(r),
    get: async (id) => get(id),
    list: async (f) => {
      const where: string[] = [];
      const args: unknown[] = [];
      const add = (clause: string, ...values: unknown[]) => {
        where.push(clause);
        args.push(...values);
      };
      if (f.fingerprint !== undefined) add('fingerprint = ?', f.fingerprint);
      if (f.hostId !== undefined) add('host_id = ?', f.hostId);
      if (f.state) add(`state IN (${placeholders(f.state.length)})`, ...f.state);
      if (f.watchEndedBefore !== undefined) add('watch_until < ?', f.watchEndedBefore);
      const sql = `SELECT * FROM key_quarantines ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id`;
      return (db.prepare(sql).all(...args) as QuarantineRow[]).map(toQuarantine);
    },
    setState: async (id, from, state, now, by) => {
      const row = db
        .prepare(
          `UPDATE key_quarantines SET state = ?, updated_at = ?, by = ?
          WHERE id = ? AND state IN (${placeholders(from.length)}) RETURNING *`,
        )
        .get(state, now, by, id, ...from) as QuarantineRow | undefined;
      return row ? toQuarantine(row) : null;
    },
  };
}

interface CursorRow {
  sink_id: string;
  alerts: string | null;
  audit: string | null;
  updated_at: number;
}
const toCursor = (r: CursorRow): ExportCursorRecord => ({
  sinkId: r.sink_id,
  alerts: r.alerts,
  audit: r.audit,
  updatedAt: r.updated_at,
});

export function sqliteExportCursorRepository(db: Database.Database): ExportCursorRepository {
  return {
    get: async (sinkId) => {
      const row = stmt(db, 'SELECT * FROM export_cursors WHERE sink_id = ?').get(sinkId) as
        CursorRow | undefined;
      return row ? toCursor(row) : null;
    },
    put: async (r) => {
      stmt(
        db,
        `INSERT INTO export_cursors (sink_id, alerts, audit, updated_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (sink_id) DO UPDATE SET alerts = excluded.alerts, audit = excluded.audit,
          updated_at = excluded.updated_at`,
      ).run(r.sinkId, r.alerts, r.audit, r.updatedAt);
    },
    list: async () =>
      (stmt(db, 'SELECT * FROM export_cursors ORDER BY sink_id').all() as CursorRow[]).map(
        toCursor,
      ),
    takeLease: async (sinkId, epoch, holder, now) => {
      stmt(
        db,
        `INSERT INTO export_leases (sink_id, epoch, holder, taken_at) VALUES (?, ?, ?, ?)
        ON CONFLICT DO NOTHING`,
      ).run(sinkId, epoch, holder, now);
      const row = stmt(db, 'SELECT holder FROM export_leases WHERE sink_id = ? AND epoch = ?').get(
        sinkId,
        epoch,
      ) as { holder: string } | undefined;
      return row?.holder === holder;
    },
    dropLeases: async (sinkId, before) => {
      stmt(db, 'DELETE FROM export_leases WHERE sink_id = ? AND epoch < ?').run(sinkId, before);
    },
    releaseLeases: async (sinkId, holder) => {
      stmt(db, 'DELETE FROM export_leases WHERE sink_id = ? AND holder = ?').run(sinkId, holder);
    },
  };
}
