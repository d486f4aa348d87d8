/** Hosts in the embedded store. Changes that affect scan intervals mark the host schedule-dirty. */
import type Database from 'better-sqlite3';
import { conflict } from '../../../shared/errors';
import { newId } from '../ids';
import {
  NO_OVERRIDES,
  type HostPatch,
  type HostRecord,
  type HostState,
  type NewHost,
  type ScanIntervalOverrides,
} from '../host-records';
import type { HostRepository } from '../host-store';
import { addStateIn, addWhere } from './page-query';
import { stmt } from './statements';

interface HostRow {
  id: string;
  name: string;
  address: string;
  port: number;
  kind: string;
  state: string;
  group_id: string | null;
  host_key_fingerprint: string | null;
  management_account: string | null;
  agent_id: string | null;
  os: string | null;
  ssh_product: string | null;
  last_seen_at: number | null;
  scan_intervals: string;
  created_at: number;
  updated_at: number;
}

const toHost = (r: HostRow): HostRecord => ({
  id: r.id,
  name: r.name,
  address: r.address,
  port: r.port,
  kind: r.kind as HostRecord['kind'],
  state: r.state as HostState,
  groupId: r.group_id,
  hostKeyFingerprint: r.host_key_fingerprint,
  managementAccount: r.management_account,
  agentId: r.agent_id,
  os: r.os,
  sshProduct: r.ssh_product,
  lastSeenAt: r.last_seen_at,
  scanIntervalsMs: { ...NO_OVERRIDES, ...(JSON.parse(r.scan_intervals) as ScanIntervalOverrides) },
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const COLUMNS: Record<keyof HostPatch, string> = {
  name: 'name',
  address: 'address',
  port: 'port',
  kind: 'kind',
  state: 'state',
  groupId: 'group_id',
  hostKeyFingerprint: 'host_key_fingerprint',
  managementAccount: 'management_account',
  agentId: 'agent_id',
  os: 'os',
  sshProduct: 'ssh_product',
  lastSeenAt: 'last_seen_at',
  scanIntervalsMs: 'scan_intervals',
};
/** The fields whose change can change which scans a host gets, or how often. */
const SCHEDULE_FIELDS: ReadonlyArray<keyof HostPatch> = ['scanIntervalsMs', 'groupId', 'state'];

const INSERT = `INSERT INTO hosts (id, name, address, port, kind, state, group_id,
  host_key_fingerprint, management_account, agent_id, os, ssh_product, last_seen_at,
  scan_intervals, created_at, updated_at)
  VALUES (@id, @name, @address, @port, @kind, @state, @groupId, @hostKeyFingerprint,
  @managementAccount, @agentId, @os, @sshProduct, @lastSeenAt, @scanIntervals, @now, @now)`;

const insertArgs = (h: NewHost, now: number) => ({
  id: h.id ?? newId(now),
  name: h.name,
  address: h.address,
  port: h.port,
  kind: h.kind,
  state: h.state ?? 'discovered',
  groupId: h.groupId ?? null,
  hostKeyFingerprint: h.hostKeyFingerprint,
  managementAccount: h.managementAccount,
  agentId: h.agentId,
  os: h.os,
  sshProduct: h.sshProduct,
  lastSeenAt: h.lastSeenAt,
  scanIntervals: JSON.stringify(h.scanIntervalsMs ?? NO_OVERRIDES),
  now,
});

export function sqliteHostRepository(db: Database.Database): HostRepository {
  const get = (id: string) => {
    const row = stmt(db, 'SELECT * FROM hosts WHERE id = ?').get(id) as HostRow | undefined;
    return row ? toHost(row) : null;
  };
  const insert = (h: NewHost, now: number) => {
    const args = insertArgs(h, now);
    try {
      stmt(db, INSERT).run(args);
    } catch (cause) {
      if ((cause as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY')
        throw conflict(`a host with id ${args.id} exists`, { cause, details: { id: args.id } });
      throw cause;
    }
    return args.id;
  };
  return {
    create: async (h, now) => get(insert(h, now)) as HostRecord,
    createMany: async (hosts, now) => {
      db.transaction(() => hosts.forEach((h) => insert(h, now))).immediate();
    },
    get: async (id) => get(id),
    list: async (f, page) => {
      const where: string[] = [];
      const args: unknown[] = [];
      addStateIn(where, args, f.state);
      const eq = (sql: string, v: unknown) => addWhere(where, args, v, sql, v);
      eq('group_id = ?', f.groupId);
      eq('kind = ?', f.kind);
      if (f.text !== undefined) {
        // LIKE ignores ASCII case; its wildcards in the text are escaped to match as written.
        const like = `%${f.text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        where.push(
          `(${['name', 'address', 'id', 'os'].map((c) => `${c} LIKE ? ESCAPE '\\'`).join(' OR ')})`,
        );
        args.push(like, like, like, like);
      }
      eq('id > ?', page.after);
      const sql = `SELECT * FROM hosts ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id LIMIT ?`;
      const rows = db.prepare(sql).all(...args, page.limit + 1) as HostRow[];
      const items = rows.slice(0, page.limit).map(toHost);
      const last = items[items.length - 1];
      return { items, nextCursor: rows.length > page.limit && last ? last.id : null };
    },
    update: async (id, patch, now) =>
      db
        .transaction(() => {
          const before = get(id);
          if (!before) return null;
          const sets = ['updated_at = ?'];
          const args: unknown[] = [now];
          let dirty = false;
          for (const [key, value] of Object.entries(patch) as Array<[keyof HostPatch, unknown]>) {
            const col = COLUMNS[key];
            if (!col || value === undefined) continue;
            const stored =
              key === 'scanIntervalsMs'
                ? { ...before.scanIntervalsMs, ...(value as object) }
                : value;
            if (
              SCHEDULE_FIELDS.includes(key) &&
              JSON.stringify(before[key]) !== JSON.stringify(stored)
            )
              dirty = true;
            sets.push(`${col} = ?`);
            args.push(key === 'scanIntervalsMs' ? JSON.stringify(stored) : stored);
          }
          if (dirty) sets.push('schedule_dirty = 1', 'schedule_version = schedule_version + 1');
          db.prepare(`UPDATE hosts SET ${sets.join(', ')} WHERE id = ?`).run(...args, id);
          return get(id);
        })
        .immediate(),
    remove: async (id) =>
      db
        .transaction(() => {
          stmt(db, 'DELETE FROM scan_schedule WHERE host_id = ?').run(id);
          return stmt(db, 'DELETE FROM hosts WHERE id = ?').run(id).changes === 1;
        })
        .immediate(),
    countByStateAndKind: async () =>
      stmt(
        db,
        'SELECT state, kind, count(*) AS count FROM hosts GROUP BY state, kind ORDER BY state, kind',
      ).all() as Array<{ state: HostState; kind: string; count: number }>,
    listScheduleDirty: async (limit) =>
      stmt(
        db,
        'SELECT id, schedule_version AS version FROM hosts WHERE schedule_dirty = 1 ORDER BY id LIMIT ?',
      ).all(limit) as Array<{ id: string; version: number }>,
    clearScheduleDirty: async (id, version) =>
      stmt(
        db,
        'UPDATE hosts SET schedule_dirty = 0 WHERE id = ? AND schedule_version = ? AND schedule_dirty = 1',
      ).run(id, version).changes === 1,
  };
}
