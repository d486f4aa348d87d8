/**
 * bench:agentless — a scan of N real sshd hosts (default 50, distinct loopback addresses)
 * through the agentless session pool. The hosts are first taken on the way an operator
 * would (discover: host key pinned, management key installed); then one scan-full job per
 * host is queued at once and timed. Prints one JSON line: hosts per minute for the scan
 * (and for discovery), and the peak of concurrent SSH sessions the pool had open.
 * Without a scan-full job type it scans authorized keys through a minimal job instead.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Type } from '@sinclair/typebox';
import pino from 'pino';
import { addAgentlessHost } from '../controller/intake/add-agentless-host';
import { checkNewHost } from '../controller/intake/new-host-input';
import {
  agentlessRuntimeOf,
  startAgentlessExecutor,
} from '../controller/agentless/start-agentless-executor';
import { vaultFor } from '../controller/secrets/secret-boxes';
import type { ControllerServices } from '../controller/controller-services';
import { loadConfig } from '../controller/config/load-config';
import { Engine } from '../controller/engine/engine';
import { defineJob, type JobDefinition } from '../controller/engine/job-definition';
import { JobQueue } from '../controller/engine/job-queue';
import { DirectSshExecutor } from '../controller/hosts/direct-ssh-executor';
import { HostExecutorRouter } from '../controller/hosts/host-executor';
import { discover } from '../controller/jobs/discover';
import { discoverHost } from '../controller/jobs/discover-host';
import { toMonitoredStateHost } from '../controller/jobs/to-monitored-state-host';
import type { JobRecord } from '../controller/store/records';
import { openSqliteStore } from '../controller/store/sqlite/open-sqlite-store';
import { startSshdFleet } from '../test/helpers/sshd-fleet';

const HOSTS = Number(process.env.BENCH_HOSTS ?? 50);
const WORKERS = Number(process.env.BENCH_WORKERS ?? 32);

const benchScan = defineJob({
  type: 'bench-scan-authorized-keys',
  describe: 'benchmark: scan-authorized-keys on the job host',
  params: Type.Object({}),
  runsOn: 'host',
  timeoutMs: 10 * 60_000,
  async run(_p, ctx) {
    return ctx.runOnHost('scan-authorized-keys', {});
  },
});

async function scanJobType(): Promise<JobDefinition> {
  try {
    return (await import('../controller/jobs/scan-full')).scanFull as unknown as JobDefinition;
  } catch {
    return benchScan as unknown as JobDefinition;
  }
}

async function main(): Promise<void> {
  const fleet = await startSshdFleet({ count: HOSTS, parallel: 8 });
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-bench-agentless-'));
  const config = loadConfig({
    KEYWARDEN_DATA_DIR: dir,
    KEYWARDEN_WORKER_CONCURRENCY: String(WORKERS),
  });
  const store = openSqliteStore(path.join(dir, 'keywarden.db'), { synchronous: 'NORMAL' });
  const scan = await scanJobType();
  // Discovery chains into to-monitored-state-host; the scan type is registered for the
  // timed round only, so discovery does not queue scans of its own.
  const registry: Record<string, JobDefinition> = {};
  for (const d of [
    discover,
    discoverHost,
    toMonitoredStateHost,
    scan,
  ] as unknown as JobDefinition[])
    registry[d.type] = d;
  const discoveryRegistry = { ...registry };
  delete discoveryRegistry[scan.type];
  const log = pino({ level: process.env.KEYWARDEN_BENCH_LOG ?? 'silent' });
  const hostExecutor = new HostExecutorRouter(new DirectSshExecutor(), store);
  const newEngine = (queue: JobQueue) =>
    new Engine({
      config,
      hostExecutor,
      store,
      queue,
      log,
      concurrency: WORKERS,
      claimBatch: 64,
      leaseMs: 30_000,
      pollIntervalMs: 50,
      heartbeatMs: 10_000,
    });
  let queue = new JobQueue(store, Object.freeze(discoveryRegistry));
  let engine = newEngine(queue);
  const services = {
    config,
    store,
    queue,
    engine,
    hostExecutor,
    log,
  } as unknown as ControllerServices;
  const stopAgentless = startAgentlessExecutor(services);
  const pool = agentlessRuntimeOf(store)?.pool;
  if (!pool) throw new Error('agentless executor did not start');
  const waitAll = async (ids: string[]) => {
    const ended: JobRecord[] = [];
    for (const id of ids) {
      for (;;) {
        const j = await store.jobs.get(id);
        if (j && !['queued', 'running'].includes(j.state)) {
          ended.push(j);
          break;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    return ended;
  };
  try {
    await engine.start();
    const vault = vaultFor(config, store);
    const discoverIds: string[] = [];
    const t0 = performance.now();
    for (const h of fleet.hosts) {
      const checked = checkNewHost(
        { address: h.address, managementAccount: h.account, password: h.password },
        { requireCredential: true },
      );
      if (!checked.ok) throw new Error(JSON.stringify(checked.problem));
      const added = await addAgentlessHost(
        {
          store,
          vault,
          now: Date.now,
          queueDiscovery: async (hostId) =>
            (await queue.enqueue('discover', {}, { createdBy: 'bench', trigger: 'admin', hostId }))
              .job,
        },
        checked.host,
        'bench',
      );
      discoverIds.push(added.discoverJobId as string);
    }
    await waitAll(discoverIds);
    const monitored = async () =>
      (await store.hosts.list({ state: ['monitored'] }, { limit: HOSTS + 1 })).items.length;
    while ((await monitored()) < HOSTS) {
      const failed = await store.jobs.list({ state: ['failed'] }, { limit: 5 });
      if (failed.items.length)
        throw new Error(`discovery failed: ${JSON.stringify(failed.items[0]?.error)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const discoverySeconds = (performance.now() - t0) / 1000;
    const discoveryStats = pool.stats();

    // The timed round: one scan per host, all queued at once.
    await engine.stop();
    queue = new JobQueue(store, Object.freeze(registry));
    engine = newEngine(queue);
    await engine.start();
    pool.resetPeaks();
    const created0 = pool.stats().created;
    const reused0 = pool.stats().reused;
    const hosts = (await store.hosts.list({}, { limit: HOSTS + 1 })).items;
    const t1 = performance.now();
    const results = await queue.enqueueManyByName(
      hosts.map((h) => ({
        type: scan.type,
        params: {},
        opts: { createdBy: 'bench', trigger: 'admin' as const, hostId: h.id },
      })),
    );
    const ended = await waitAll(results.map((r) => r.job.id));
    const scanSeconds = (performance.now() - t1) / 1000;
    const stats = pool.stats();
    const failed = ended.filter((j) => j.state !== 'completed');
    process.stdout.write(
      `${JSON.stringify({
        bench: 'agentless',
        hosts: HOSTS,
        scanJobType: scan.type,
        hostsPerMinute: Number(((HOSTS / scanSeconds) * 60).toFixed(1)),
        scanSeconds: Number(scanSeconds.toFixed(2)),
        peakConcurrentSessions: stats.peakOpen,
        peakBusySessions: stats.peakBusy,
        sessionsOpened: stats.created - created0,
        sessionsReused: stats.reused - reused0,
        failed: failed.length,
        ...(failed[0] ? { firstError: failed[0].error } : {}),
        discovery: {
          hostsPerMinute: Number(((HOSTS / discoverySeconds) * 60).toFixed(1)),
          seconds: Number(discoverySeconds.toFixed(2)),
          peakConcurrentSessions: discoveryStats.peakOpen,
        },
        limits: {
          workers: WORKERS,
          maxSessions: config.sshMaxSessions,
          maxSessionsPerHost: config.sshMaxSessionsPerHost,
          idleMs: config.sshIdleMs,
        },
      })}\n`,
    );
  } finally {
    await engine.stop();
    await stopAgentless();
    await store.close();
    await fleet.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `bench:agentless failed: ${err instanceof Error ? err.stack : String(err)}\n`,
  );
  process.exit(1);
});
