/**
 * Upgrading an embedded store written before an attempt could run several host operations:
 * an assignment in flight and a stored result come through migration 31 as step 0, and the
 * result learns its operation from its assignment. Nothing an agent sent is lost.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { migrations } from '../../../controller/store/sqlite/migrations';
import { openSqliteStore } from '../../../controller/store/sqlite/open-sqlite-store';

describe('sqlite migration 31: agent assignments and results per step', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-migrate-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps assignments and results written by the previous schema', async () => {
    const file = path.join(dir, 'keywarden.db');
    const old = new Database(file);
    old.exec(
      'CREATE TABLE schema_migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
    );
    for (const m of migrations.filter((x) => x.id < 31)) {
      old.exec(m.sql);
      old.prepare('INSERT INTO schema_migrations VALUES (?, ?, 0)').run(m.id, m.name);
    }
    old.exec(`
      INSERT INTO agent_assignments (job_id, attempt, host_id, job_type, operation, args,
        timeout_ms, state, connection_id, created_at, updated_at)
      VALUES ('job1', 2, 'host1', 'scan-authorized-keys', 'scan-authorized-keys', '{"accounts":["bob"]}',
        60000, 'delivered', 'conn1', 10, 11);
      INSERT INTO agent_results (job_id, attempt, host_id, agent_id, ok, output, error,
        started_at, finished_at, received_at, received_by)
      VALUES ('job1', 2, 'host1', 'agent1', 1, '{"accounts":[]}', NULL, 12, 13, 14, 'ctl1'),
        ('job0', 1, 'host1', 'agent1', 0, NULL, '{"code":"X","message":"m","retryable":true}',
        1, 2, 3, 'ctl1');
    `);
    old.close();

    const store = openSqliteStore(file);
    try {
      const { assignments, results } = store.agentFleet;
      expect(await assignments.get({ jobId: 'job1', attempt: 2, step: 0 })).toMatchObject({
        operation: 'scan-authorized-keys',
        args: { accounts: ['bob'] },
        state: 'delivered',
        connectionId: 'conn1',
      });
      expect(await results.get({ jobId: 'job1', attempt: 2, step: 0 })).toMatchObject({
        operation: 'scan-authorized-keys',
        ok: true,
        output: { accounts: [] },
      });
      // A result whose assignment was already purged keeps everything but an operation name.
      expect(await results.get({ jobId: 'job0', attempt: 1, step: 0 })).toMatchObject({
        operation: '',
        ok: false,
        error: { code: 'X' },
      });
      expect(await results.count()).toBe(2);
    } finally {
      await store.close();
    }
  });
});
