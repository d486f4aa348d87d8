/**
 * Upgrading an embedded store written before lanes: migration 5 gives every job the
 * normal lane, so queued work from before the upgrade is claimed like admin work, not
 * held back with the bulk scans.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { migrations } from '../../../controller/store/sqlite/migrations';
import { openSqliteStore } from '../../../controller/store/sqlite/open-sqlite-store';

describe('sqlite migration 5: job lanes', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-migrate-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('puts the jobs written by the previous schema in the normal lane', async () => {
    const file = path.join(dir, 'keywarden.db');
    const old = new Database(file);
    old.exec(
      'CREATE TABLE schema_migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
    );
    for (const m of migrations.filter((x) => x.id !== 5)) {
      old.exec(m.sql);
      old.prepare('INSERT INTO schema_migrations VALUES (?, ?, 0)').run(m.id, m.name);
    }
    old.exec(`
      INSERT INTO jobs (id, type, state, params, attempts, max_attempts, priority, run_at,
        created_by, trigger, created_at)
      VALUES ('job-old', 'scan-full', 'queued', '{}', 0, 3, 0, 10, 'scheduler', 'schedule', 10);
    `);
    old.close();

    const store = openSqliteStore(file);
    try {
      expect(await store.jobs.get('job-old')).toMatchObject({ state: 'queued', lane: 'normal' });
      const claimed = await store.jobs.claim({
        workerId: 'w1',
        capacity: { 'scan-full': 1 },
        limit: 1,
        leaseMs: 1000,
        now: 20,
        bulkLimit: 0,
      });
      expect(claimed.map((j) => j.id)).toEqual(['job-old']);
    } finally {
      await store.close();
    }
  });
});
