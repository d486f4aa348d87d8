/**
 * bench:agentless — a scan of N real sshd hosts (default 50, distinct loopback addresses)
 * through the agentless session pool. The hosts are first taken on the way an operator
 * would (discover: host key pinned, management key installed); then one scan-full job per
 * host is queued at once and timed. Prints one JSON line: hosts per minute for the scan
 * (and for discovery), the peak of concurrent SSH sessions the pool had open, and the
 * figures that do not depend on what else loads the machine: SSH round trips per host
 * (exec channels, helper requests, SFTP requests) and CPU per host, the controller's
 * (this process) and the hosts' (every sshd of the fleet with its sessions, sudo and perl).
 * Without a scan-full job type it scans authorized keys through a minimal job instead.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { Type } from '@sinclair/typebox';
import pino from 'pino';
import { addAgentlessHost } from '../controller/intake/add-agentless-host';
import { checkNewHost } from '../controller/intake/new-host-input';
import {
  agentlessRuntimeOf,
  startAgentlessDriver,
} from '../controller/agentless/start-agentless-driver';
import { vaultFor } from '../controller/secrets/secret-boxes';
import type { ControllerServices } from '../controller/controller-services';
import { loadConfig } from '../controller/config/load-config';
import { Engine } from '../controller/engine/engine';
import { defineJob, type JobDefinition } from '../controller/engine/job-definition';
import { JobQueue } from '../controller/engine/job-queue';
import { DirectSshDriver } from '../controller/hosts/direct-ssh-driver';
import { HostDriverRouter } from '../controller/hosts/host-router';
import { discover } from '../controller/jobs/discover';
import { discoverHost } from '../controller/jobs/discover-host';
import { toMonitoredStateHost } from '../controller/jobs/to-monitored-state-host';
import type { JobRecord } from '../controller/store/records';
import { openSqliteStore } from '../controller/store/sqlite/open-sqlite-store';
import { roundTripCounts, type RoundTripCounts } from '../shared/session/round-trips';
import { startSshdFleet, type SshdFleet } from '../test/helpers/sshd-fleet';

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

/** Per host, the round trips made between two counts. */
function roundTripsPerHost(before: RoundTripCounts, after: RoundTripCounts) {
  const per = (k: keyof RoundTripCounts) => Number(((after[k] - before[k]) / HOSTS).toFixed(1));
  const execChannels = per('execChannels');
  const helperRequests = per('helperRequests');
  const sftpRequests = per('sftpRequests');
  return {
    total: Number((execChannels + helperRequests + sftpRequests).toFixed(1)),
    execChannels,
    helperRequests,
    sftpRequests,
  };
}

const TICK_MS = 1000 / 100; // USER_HZ on Linux, for /proc/stat

/**
 * CPU ms used by the fleet's sshd processes and everything they start (sessions, shells,
 * sudo, the file helper), orphans included: the listeners are moved into a cpuacct cgroup
 * of their own, which their children inherit. Null where cgroups cannot be written.
 */
async function fleetCpuMeter(fleet: SshdFleet) {
  const dir = `/sys/fs/cgroup/cpuacct/keywarden-bench-agentless-${process.pid}`;
  try {
    await mkdir(dir);
    for (const h of fleet.hosts) {
      await writeFile(`${dir}/cgroup.procs`, (await readFile(h.sshd.pidPath, 'utf8')).trim());
    }
  } catch {
    await rmdir(dir).catch(() => undefined);
    return null;
  }
  return {
    usageMs: async () => Number(await readFile(`${dir}/cpuacct.usage`, 'utf8')) / 1e6,
    /** Once the fleet has stopped: its processes have left the group. */
    remove: () => rmdir(dir).catch(() => undefined),
  };
}

/** Busy CPU ms of the whole machine (every process, other work on it included). */
async function machineCpuMs(): Promise<number> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
  const [user, nice, system, , , irq, softirq, steal] = line.split(/\s+/).slice(1).map(Number);
  return (
    ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) *
    TICK_MS
  );
}

function controllerCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

async function main(): Promise<void> {
  const fleet = await startSshdFleet({ count: HOSTS, parallel: 8 });
  const meter = await fleetCpuMeter(fleet);
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
  const hostRouter = new HostDriverRouter(store, new DirectSshDriver());
  const newEngine = (queue: JobQueue) =>
    new Engine({
      config,
      hostRouter,
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
    hostRouter,
    log,
  } as unknown as ControllerServices;
  const stopAgentless = startAgentlessDriver(services);
  const pool = agentlessRuntimeOf(store)?.pool;
  if (!pool) throw new Error('agentless driver did not start');
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
    const trips0 = roundTripCounts();
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
    const discoveryTrips = roundTripsPerHost(trips0, roundTripCounts());
    // Discovery's sessions end (idle timeout) before the scan round counts the hosts' CPU.
    pool.closeAllIdle();
    while (pool.stats().open > 0) await new Promise((r) => setTimeout(r, 20));
    const hostCpu0 = (await meter?.usageMs()) ?? 0;

    // The timed round: one scan per host, all queued at once.
    await engine.stop();
    queue = new JobQueue(store, Object.freeze(registry));
    engine = newEngine(queue);
    await engine.start();
    pool.resetPeaks();
    const created0 = pool.stats().created;
    const reused0 = pool.stats().reused;
    const hosts = (await store.hosts.list({}, { limit: HOSTS + 1 })).items;
    const trips1 = roundTripCounts();
    const controllerCpu1 = controllerCpuMs();
    const machineCpu1 = await machineCpuMs();
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
    const controllerCpuMsPerHost = (controllerCpuMs() - controllerCpu1) / HOSTS;
    const machineCpuMsPerHost = ((await machineCpuMs()) - machineCpu1) / HOSTS;
    const scanTrips = roundTripsPerHost(trips1, roundTripCounts());
    const stats = pool.stats();
    pool.closeAllIdle();
    while (pool.stats().open > 0) await new Promise((r) => setTimeout(r, 20));
    const hostCpuMsPerHost = meter ? ((await meter.usageMs()) - hostCpu0) / HOSTS : NaN;
    const failed = ended.filter((j) => j.state !== 'completed');
    process.stdout.write(
      `${JSON.stringify({
        bench: 'agentless',
        hosts: HOSTS,
        scanJobType: scan.type,
        hostsPerMinute: Number(((HOSTS / scanSeconds) * 60).toFixed(1)),
        scanSeconds: Number(scanSeconds.toFixed(2)),
        roundTripsPerScan: scanTrips.total,
        scanRoundTrips: scanTrips,
        cpuMsPerHost: meter ? Math.round(controllerCpuMsPerHost + hostCpuMsPerHost) : null,
        controllerCpuMsPerHost: Math.round(controllerCpuMsPerHost),
        hostCpuMsPerHost: meter ? Math.round(hostCpuMsPerHost) : null,
        machineCpuMsPerHost: Math.round(machineCpuMsPerHost),
        loadAverage1m: Number(loadavg()[0]?.toFixed(2)),
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
          roundTripsPerHost: discoveryTrips.total,
          roundTrips: discoveryTrips,
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
    await meter?.remove();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `bench:agentless failed: ${err instanceof Error ? err.stack : String(err)}\n`,
  );
  process.exit(1);
});
