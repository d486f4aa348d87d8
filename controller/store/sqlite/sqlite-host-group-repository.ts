/** Host groups and the global scan defaults in the embedded store. */
import type Database from 'better-sqlite3';
import { conflict } from '../../../shared/errors';
import {
  NO_OVERRIDES,
  type HostGroupRecord,
  type ScanIntervalOverrides,
  type ScanIntervals,
} from '../host-records';
import type { HostGroupRepository } from '../host-store';
import { stmt } from './statements';

interface GroupRow {
  id: string;
  name: string;
  description: string;
  scan_intervals: string;
  created_at: number;
  updated_at: number;
}
const toGroup = (r: GroupRow): HostGroupRecord => ({
  id: r.id,
  name: r.name,
  description: r.description,
  scanIntervalsMs: { ...NO_OVERRIDES, ...(JSON.parse(r.scan_intervals) as ScanIntervalOverrides) },
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const MARK_GROUP_DIRTY = `UPDATE hosts SET schedule_dirty = 1, schedule_version = schedule_version + 1
  WHERE group_id = ?`;

export function sqliteHostGroupRepository(db: Database.Database): HostGroupRepository {
  const get = (id: string) => {
    const row = stmt(db, 'SELECT * FROM host_groups WHERE id = ?').get(id) as GroupRow | undefined;
    return row ? toGroup(row) : null;
  };
  return {
    create: async (g, now) => {
      try {
        stmt(
          db,
          `INSERT INTO host_groups (id, name, description, scan_intervals, created_at, updated_at)
          VALUES (?, ?, ?, ?, ?, ?)`,
        ).run(g.id, g.name, g.description, JSON.stringify(g.scanIntervalsMs), now, now);
      } catch (cause) {
        if (String((cause as { code?: string }).code).startsWith('SQLITE_CONSTRAINT'))
          throw conflict(`a host group with id ${g.id} or name ${g.name} exists`, { cause });
        throw cause;
      }
      return get(g.id) as HostGroupRecord;
    },
    get: async (id) => get(id),
    list: async () =>
      (stmt(db, 'SELECT * FROM host_groups ORDER BY name').all() as GroupRow[]).map(toGroup),
    listPage: async (p) => {
      const rows = (
        p.after === undefined
          ? stmt(db, 'SELECT * FROM host_groups ORDER BY name LIMIT ?').all(p.limit + 1)
          : stmt(db, 'SELECT * FROM host_groups WHERE name > ? ORDER BY name LIMIT ?').all(
              p.after,
              p.limit + 1,
            )
      ) as GroupRow[];
      const items = rows.slice(0, p.limit).map(toGroup);
      const last = items[items.length - 1];
      return { items, nextCursor: rows.length > p.limit && last ? last.name : null };
    },
    update: async (id, patch, now) =>
      db
        .transaction(() => {
          const before = get(id);
          if (!before) return null;
          const next = {
            ...before,
            ...patch,
            scanIntervalsMs: { ...before.scanIntervalsMs, ...patch.scanIntervalsMs },
          };
          stmt(
            db,
            `UPDATE host_groups SET name = ?, description = ?, scan_intervals = ?, updated_at = ?
            WHERE id = ?`,
          ).run(next.name, next.description, JSON.stringify(next.scanIntervalsMs), now, id);
          if (JSON.stringify(next.scanIntervalsMs) !== JSON.stringify(before.scanIntervalsMs))
            stmt(db, MARK_GROUP_DIRTY).run(id);
          return get(id);
        })
        .immediate(),
    remove: async (id, now) =>
      db
        .transaction(() => {
          stmt(
            db,
            `UPDATE hosts SET group_id = NULL, updated_at = ?, schedule_dirty = 1,
            schedule_version = schedule_version + 1 WHERE group_id = ?`,
          ).run(now, id);
          return stmt(db, 'DELETE FROM host_groups WHERE id = ?').run(id).changes === 1;
        })
        .immediate(),
    getScanDefaults: async () => {
      const row = stmt(db, 'SELECT intervals FROM scan_defaults WHERE id = 1').get() as
        { intervals: string } | undefined;
      return row ? (JSON.parse(row.intervals) as ScanIntervals) : null;
    },
    setScanDefaults: async (defaults, now) => {
      db.transaction(() => {
        stmt(
          db,
          `INSERT INTO scan_defaults (id, intervals, updated_at) VALUES (1, ?, ?)
          ON CONFLICT(id) DO UPDATE SET intervals = excluded.intervals, updated_at = excluded.updated_at`,
        ).run(JSON.stringify(defaults), now);
        // Every host inherits from the defaults somewhere: all of them are affected.
        stmt(
          db,
          'UPDATE hosts SET schedule_dirty = 1, schedule_version = schedule_version + 1',
        ).run();
      }).immediate();
    },
  };
}
