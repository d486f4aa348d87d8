/**
 * The controller is killed with SIGKILL while it runs jobs, then started again:
 * every job still ends, none stays running, and no idempotent effect happens twice.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../controller/store/sqlite/open-sqlite-store';
import { spawnController, type ControllerProcess } from '../helpers/controller-process';

const JOBS = 1000;

describe('crash safety with a real controller process', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-crash-'));
  const effects = path.join(dir, 'effects.txt');
  const env = {
    KEYWARDEN_DATA_DIR: dir,
    KEYWARDEN_ENABLE_TEST_JOB_TYPES: 'true',
    KEYWARDEN_LEASE: '2s',
    KEYWARDEN_WORKER_CONCURRENCY: '16',
  };
  let ctl: ControllerProcess | undefined;
  afterAll(async () => {
    await ctl?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('finishes every job exactly once after kill -9 and restart', async () => {
    const store = openSqliteStore(path.join(dir, 'keywarden.db'));
    const now = Date.now();
    await store.jobs.enqueueMany(
      Array.from({ length: JOBS }, (_, i) => ({
        type: 'test-effect',
        params: { file: effects, key: `job-${i}`, ms: 15 },
        maxAttempts: 5,
        createdBy: 'crash-test',
        trigger: 'admin' as const,
      })),
      now,
    );
    // The watchdog runs every second here so expired leases are reclaimed quickly.
    await store.robots.ensure({
      type: 'internal-process-manager',
      instances: 1,
      intervalMs: 1000,
      windowStart: null,
      windowEnd: null,
      enabled: true,
      nextRunAt: now,
      lastStartedAt: null,
      lastJobId: null,
      updatedAt: now,
      updatedBy: 'test',
    });
    const count = async (state: 'completed' | 'running' | 'queued' | 'failed') =>
      (await store.jobs.countByTypeAndState()).find(
        (c) => c.type === 'test-effect' && c.state === state,
      )?.count ?? 0;

    ctl = await spawnController(env);
    // Kill it mid-run: once some jobs have completed while others are running (a loaded
    // machine may take long to start the controller, so wait for that state, not a time).
    let runningAtKill = 0;
    for (const until = Date.now() + 120_000; Date.now() < until;) {
      runningAtKill = await count('running');
      if (runningAtKill > 0 && (await count('completed')) >= 150) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await ctl.kill('SIGKILL');
    const completedAtKill = await count('completed');
    expect(runningAtKill).toBeGreaterThan(0);
    expect(completedAtKill).toBeLessThan(JOBS);

    ctl = await spawnController(env);
    for (let i = 0; i < 1500 && (await count('completed')) + (await count('failed')) < JOBS; i++) {
      await new Promise((r) => setTimeout(r, 40));
    }
    await ctl.kill('SIGTERM');
    expect(await count('completed')).toBe(JOBS);
    expect(await count('running')).toBe(0);
    expect(await count('queued')).toBe(0);
    const lines = readFileSync(effects, 'utf8').split('\n').filter(Boolean);
    expect(lines.length).toBe(JOBS);
    expect(new Set(lines).size).toBe(JOBS);
    const retried = (
      await store.jobs.list({ type: ['test-effect'] }, { limit: JOBS })
    ).items.filter((j) => j.attempts > 1);
    // The jobs running at the kill were reclaimed and run again.
    expect(retried.length).toBeGreaterThan(0);
    await store.close();
  }, 120_000);
});
