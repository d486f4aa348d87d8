/**
 * On MongoDB a claim is two writes: the claim document (a unique insert decides the
 * winner), then the job. A controller that dies between them leaves the claim document
 * behind with the job still queued. Here the orphan is written into the collection as the
 * crashed controller would have left it; a fresh engine must still run the job once the
 * orphan's lease has passed, including the watchdog job that reclaims everything else.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../controller/config/load-config';
import { Engine } from '../../../controller/engine/engine';
import { JobQueue } from '../../../controller/engine/job-queue';
import { buildRegistry } from '../../../controller/jobs/registry';
import { openMongoStore } from '../../../controller/store/mongodb/open-mongo-store';
import type { JobRecord, JobState } from '../../../controller/store/records';
import type { Store } from '../../../controller/store/store';
import { startFerretDb, type TestMongo } from '../../helpers/ferretdb';

const admin = { createdBy: 'tester', trigger: 'admin' as const };
const LEASE_MS = 1500;

describe('engine on MongoDB: a claim orphaned by a crash between its two writes', () => {
  let server: TestMongo;
  let store: Store;
  let raw: MongoClient;
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-orphan-'));
  const engines: Engine[] = [];

  beforeAll(async () => {
    server = await startFerretDb();
    store = await openMongoStore(server.url);
    raw = new MongoClient(server.url);
    await raw.connect();
  });
  afterEach(async () => {
    for (const e of engines.splice(0)) await e.stop(0);
  });
  afterAll(async () => {
    await raw?.close();
    await store?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const newEngine = (queue: JobQueue) => {
    const e = new Engine({
      config: loadConfig({ KEYWARDEN_DATA_DIR: dir, KEYWARDEN_ENABLE_TEST_JOB_TYPES: 'true' }),
      store,
      queue,
      log: pino({ level: process.env.KEYWARDEN_TEST_LOG ?? 'silent' }),
      concurrency: 4,
      claimBatch: 8,
      leaseMs: LEASE_MS,
      pollIntervalMs: 50,
      heartbeatMs: 1000,
    });
    engines.push(e);
    return e;
  };

  const waitForState = async (id: string, states: JobState[], timeoutMs = 15_000) => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const job = await store.jobs.get(id);
      if (job && states.includes(job.state)) return job;
      if (Date.now() > until)
        throw new Error(`job ${id} did not reach ${states.join('|')}: ${JSON.stringify(job)}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  /** The claim document a controller inserted for the job's first claim before it died. */
  const leaveOrphanClaim = async (job: JobRecord, leaseUntil: number | undefined) => {
    const at = Date.now();
    await raw
      .db()
      .collection('job_claims')
      .insertOne({
        _id: `${job.id}:1` as never,
        jobId: job.id,
        workerId: 'crashed-controller',
        at,
        ...(leaseUntil === undefined ? {} : { leaseUntil }),
      });
    return at;
  };

  it.each(['internal-process-manager', 'test-sleep'])(
    'runs a queued %s whose claim document was left by a crash, once its lease passed',
    async (type) => {
      const queue = new JobQueue(store, buildRegistry({ testJobTypes: true }));
      const { job } = await queue.enqueueByName(
        type,
        type === 'test-sleep' ? { ms: 0 } : {},
        admin,
      );
      const orphanLeaseUntil = Date.now() + LEASE_MS;
      await leaveOrphanClaim(job, orphanLeaseUntil);
      await newEngine(queue).start();
      const done = await waitForState(job.id, ['completed', 'failed']);
      expect(done).toMatchObject({ state: 'completed', attempts: 1, workerId: null });
      // Not taken over while the crashed controller's claim could still have been live.
      expect(done.startedAt).toBeGreaterThanOrEqual(orphanLeaseUntil);
    },
  );

  it('takes over an orphan written before claims carried their lease, after one lease', async () => {
    const queue = new JobQueue(store, buildRegistry({ testJobTypes: true }));
    const { job } = await queue.enqueue('test-sleep', { ms: 0 }, admin);
    const at = await leaveOrphanClaim(job, undefined);
    const [first] = await store.jobs.claim({
      workerId: 'w-now',
      capacity: { 'test-sleep': 1 },
      limit: 1,
      leaseMs: LEASE_MS,
      now: at,
    });
    expect(first).toBeUndefined();
    const [later] = await store.jobs.claim({
      workerId: 'w-later',
      capacity: { 'test-sleep': 1 },
      limit: 1,
      leaseMs: LEASE_MS,
      now: at + LEASE_MS + 1,
    });
    expect(later).toMatchObject({ id: job.id, state: 'running', workerId: 'w-later' });
  });
});
