/**
 * An engine in this process on a fresh embedded store, with the fixture job types and
 * short leases, for tests that watch jobs move through their states.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { loadConfig, type Config } from '../../controller/config/load-config';
import { Engine } from '../../controller/engine/engine';
import { JobQueue } from '../../controller/engine/job-queue';
import { buildRegistry } from '../../controller/jobs/registry';
import { secretBoxFor } from '../../controller/secrets/secret-boxes';
import { DirectSshDriver } from '../../controller/hosts/direct-ssh-driver';
import { HostDriverRouter } from '../../controller/hosts/host-router';
import { JobSecrets } from '../../controller/secrets/sealed-params';
import type { JobRecord, JobState } from '../../controller/store/records';
import type { Store } from '../../controller/store/store';
import { openSqliteStore } from '../../controller/store/sqlite/open-sqlite-store';

export interface TestEngine {
  dir: string;
  config: Config;
  store: Store;
  queue: JobQueue;
  engine: Engine;
  /** The engines' host router: tests may register drivers for kinds of hosts on it. */
  hostRouter: HostDriverRouter;
  newEngine(over?: Partial<ConstructorParameters<typeof Engine>[0]>): Engine;
  waitForState(id: string, states: JobState[], timeoutMs?: number): Promise<JobRecord>;
  stop(): Promise<void>;
}

export async function startTestEngine(
  opts: {
    leaseMs?: number;
    concurrency?: number;
    limitFor?: (t: string) => number;
    /** Settings, as environment variables (e.g. the allow-lists of host commands). */
    env?: Record<string, string>;
  } = {},
): Promise<TestEngine> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-engine-'));
  const config = loadConfig({
    KEYWARDEN_DATA_DIR: dir,
    KEYWARDEN_ENABLE_TEST_JOB_TYPES: 'true',
    ...opts.env,
  });
  const store = openSqliteStore(path.join(dir, 'keywarden.db'), { synchronous: 'NORMAL' });
  // As in a controller: secret params are sealed when queued, opened by the direct driver.
  const box = secretBoxFor(config);
  const queue = new JobQueue(store, buildRegistry({ testJobTypes: true }), Date.now, box);
  const hostRouter = new HostDriverRouter(
    store,
    new DirectSshDriver(new JobSecrets(box, store.jobs)),
  );
  const log = pino({ level: process.env.KEYWARDEN_TEST_LOG ?? 'silent' });
  const engines: Engine[] = [];
  const newEngine = (over: Partial<ConstructorParameters<typeof Engine>[0]> = {}) => {
    const e = new Engine({
      config,
      store,
      queue,
      log,
      concurrency: opts.concurrency ?? 8,
      claimBatch: 16,
      leaseMs: opts.leaseMs ?? 2000,
      pollIntervalMs: 50,
      heartbeatMs: 1000,
      limitFor: opts.limitFor,
      // The fixture's transport: host jobs here give their own `connection`.
      hostRouter,
      ...over,
    });
    engines.push(e);
    return e;
  };
  const engine = newEngine();
  await engine.start();
  return {
    dir,
    config,
    store,
    queue,
    engine,
    hostRouter,
    newEngine,
    async waitForState(id, states, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const job = await store.jobs.get(id);
        if (job && states.includes(job.state)) return job;
        if (Date.now() > until)
          throw new Error(`job ${id} did not reach ${states.join('|')}: ${JSON.stringify(job)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stop() {
      for (const e of engines) await e.stop(100);
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
