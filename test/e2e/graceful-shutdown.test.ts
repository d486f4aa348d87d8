/**
 * A routine restart (SIGTERM, then start again) must not cost a running job an attempt:
 * a job allowed one attempt that is running at the SIGTERM is queued again, with its
 * attempt given back, and completes after the restart instead of failing for good.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { JobState } from '../../controller/store/records';
import { openSqliteStore } from '../../controller/store/sqlite/open-sqlite-store';
import { spawnController, type ControllerProcess } from '../helpers/controller-process';

describe('graceful shutdown with a real controller process', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-sigterm-'));
  const effects = path.join(dir, 'effects.txt');
  const env = { KEYWARDEN_DATA_DIR: dir, KEYWARDEN_ENABLE_TEST_JOB_TYPES: 'true' };
  let ctl: ControllerProcess | undefined;
  afterAll(async () => {
    await ctl?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('requeues a running one-attempt job on SIGTERM and completes it after the restart', async () => {
    const store = openSqliteStore(path.join(dir, 'keywarden.db'));
    const waitForState = async (id: string, states: JobState[], ms: number) => {
      const until = Date.now() + ms;
      for (;;) {
        const job = await store.jobs.get(id);
        if (job && states.includes(job.state)) return job;
        if (Date.now() > until)
          throw new Error(`job ${id} not ${states.join('|')}: ${ctl?.output()}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    // Longer than the engine's shutdown grace, so the SIGTERM finds it running.
    const { job } = await store.jobs.enqueue(
      {
        type: 'test-effect',
        params: { file: effects, key: 'once', ms: 8000 },
        maxAttempts: 1,
        createdBy: 'sigterm-test',
        trigger: 'admin',
      },
      Date.now(),
    );

    ctl = await spawnController(env);
    await waitForState(job.id, ['running'], 30_000);
    const termAt = Date.now();
    const code = await ctl.kill('SIGTERM');
    const stoppedInMs = Date.now() - termAt;
    expect(code).toBe(0);
    // The engine's grace (5 s) plus the writes: a generous bound, not a measurement.
    expect(stoppedInMs).toBeLessThan(20_000);
    expect(await store.jobs.get(job.id)).toMatchObject({
      state: 'queued',
      attempts: 0,
      workerId: null,
      error: { code: 'CONTROLLER_STOPPING' },
    });

    ctl = await spawnController(env);
    const done = await waitForState(job.id, ['completed', 'failed', 'cancelled'], 60_000);
    expect(done).toMatchObject({ state: 'completed', attempts: 1, result: { written: true } });
    expect(readFileSync(effects, 'utf8')).toBe('once\n');
    await ctl.kill('SIGTERM');
    await store.close();
  }, 120_000);
});
