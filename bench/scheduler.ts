/**
 * bench:scheduler — the cost of one internal-scheduler tick with 100,000 hosts (400,000
 * schedule rows) in the embedded store: with nothing due, and with k scans due, where it
 * should grow with k, not with the fleet. Prints one JSON line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Type } from '@sinclair/typebox';
import { defineJob } from '../controller/engine/job-definition';
import { JobQueue, type JobRegistry } from '../controller/engine/job-queue';
import {
  enqueueDueScans,
  hostScansOf,
  updateJobIntervals,
} from '../controller/engine/host-scan-scheduler';
import { buildRegistry } from '../controller/jobs/registry';
import type { NewHost } from '../controller/store/host-records';
import { openSqliteStore } from '../controller/store/sqlite/open-sqlite-store';

const HOSTS = Number(process.env.BENCH_HOSTS ?? 100_000);
const HOUR = 3_600_000;
/** The product's host scans, as their job definitions declare them. */
const SCANS = hostScansOf(buildRegistry({ testJobTypes: false }));
const SCAN_TYPES = SCANS.map((s) => s.type);

const scanFixture = (type: string) =>
  defineJob({
    type,
    describe: 'bench fixture',
    params: Type.Object({}),
    runsOn: 'host',
    timeoutMs: 1000,
    run: async () => null,
  });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const round = (x: number) => Math.round(x * 1000) / 1000;

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-bench-sched-'));
  const store = openSqliteStore(path.join(dir, 'kw.db'), { synchronous: 'NORMAL' });
  const registry: JobRegistry = Object.fromEntries(SCAN_TYPES.map((t) => [t, scanFixture(t)]));
  const now = Date.UTC(2030, 0, 1);
  const queue = new JobQueue(store, registry, () => now);
  try {
    const setup0 = performance.now();
    for (let i = 0; i < HOSTS; i += 5000) {
      const batch: NewHost[] = [];
      for (let j = i; j < Math.min(HOSTS, i + 5000); j++)
        batch.push({
          id: `h${String(j).padStart(6, '0')}`,
          name: `host-${j}`,
          address: '10.0.0.1',
          port: 22,
          kind: 'agentless',
          state: 'managed',
          hostKeyFingerprint: null,
          managementAccount: null,
          agentId: null,
          os: null,
          sshProduct: null,
          lastSeenAt: null,
        });
      await store.hosts.createMany(batch, now);
    }
    const insertMs = performance.now() - setup0;
    const recompute0 = performance.now();
    let recomputed = 0;
    for (;;) {
      const r = await updateJobIntervals(store, SCANS, now, 5000);
      recomputed += r.hosts;
      if (!r.more) break;
    }
    const recomputeMs = performance.now() - recompute0;
    const rows = HOSTS * SCAN_TYPES.length;
    // A fleet in steady state: every row's next run lies spread over its coming interval.
    for (const type of SCAN_TYPES) {
      for (;;) {
        const batch = await store.scanSchedule.listDue([type], now, 5000);
        if (batch.length === 0) break;
        await store.scanSchedule.markEnqueued(
          batch.map((e) => ({
            hostId: e.hostId,
            scanType: e.scanType,
            expectedNextDueAt: e.nextDueAt,
            nextDueAt: now + 60_000 + Math.floor(Math.random() * (e.intervalMs - 60_000)),
            jobId: null,
          })),
          now,
        );
      }
    }
    const deps = {
      store,
      scans: SCANS,
      enqueue: async (j: Parameters<Parameters<typeof enqueueDueScans>[0]['enqueue']>[0]) =>
        (
          await queue.enqueueByName(j.type, j.params, {
            createdBy: 'bench',
            trigger: j.trigger,
            hostId: j.hostId,
            dedupeKey: j.dedupeKey,
          })
        ).job,
    };

    // Nothing due: every next run is at least a minute away.
    const idle: number[] = [];
    for (let i = 0; i < 50; i++) {
      const t = performance.now();
      const r = await enqueueDueScans(deps, now, 1000);
      idle.push(performance.now() - t);
      if (r.due !== 0) throw new Error(`expected nothing due, got ${r.due}`);
    }
    const due: Record<string, { ms: number; msPerScan: number }> = {};
    // Key-activity scans come due every hour: make exactly k of them due by moving k rows.
    for (const k of [10, 100, 1000, 5000]) {
      const entries = await store.scanSchedule.listDue(['scan-host-key-activity'], now + HOUR, k);
      await store.scanSchedule.markEnqueued(
        entries.map((e) => ({
          hostId: e.hostId,
          scanType: e.scanType,
          expectedNextDueAt: e.nextDueAt,
          nextDueAt: now,
          jobId: null,
        })),
        now,
      );
      const t = performance.now();
      const r = await enqueueDueScans(deps, now, 5000);
      const ms = performance.now() - t;
      if (r.queued !== k) throw new Error(`expected ${k} queued, got ${JSON.stringify(r)}`);
      due[`k${k}`] = { ms: round(ms), msPerScan: round(ms / k) };
    }
    process.stdout.write(
      `${JSON.stringify({
        bench: 'scheduler',
        store: 'sqlite',
        hosts: HOSTS,
        scheduleRows: rows,
        insertHostsMs: Math.round(insertMs),
        updateJobIntervals: {
          hosts: recomputed,
          ms: Math.round(recomputeMs),
          hostsPerSecond: Math.round(recomputed / (recomputeMs / 1000)),
        },
        idleTickMs: { median: round(median(idle)), max: round(Math.max(...idle)), targetBelow: 50 },
        dueTick: due,
      })}\n`,
    );
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
