/**
 * The host half of internal-scheduler on each store: effective intervals from defaults,
 * group and host; only affected hosts recomputed when settings change; due scans queued
 * once (through a fixture scan job type) and moved to their next due time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineJob } from '../../../controller/engine/job-definition';
import { JobQueue } from '../../../controller/engine/job-queue';
import {
  builtinScanDefaults,
  enqueueDueScans,
  hostScansOf,
  updateJobIntervals,
} from '../../../controller/engine/host-scan-scheduler';
import { buildRegistry } from '../../../controller/jobs/registry';
import { NO_OVERRIDES } from '../../../controller/store/host-records';
import { openMongoStore } from '../../../controller/store/mongodb/open-mongo-store';
import { openSqliteStore } from '../../../controller/store/sqlite/open-sqlite-store';
import type { Store } from '../../../controller/store/store';
import { startFerretDb } from '../../helpers/ferretdb';
import { newHost } from '../store/contract-hosts';

const H = 3_600_000;
const T0 = 1_900_000_000_000;
/** The product's host scans, as their job definitions declare them. */
const SCANS = hostScansOf(buildRegistry({ testJobTypes: false }));
const SCAN_TYPES = SCANS.map((s) => s.type);
const BUILTIN_SCAN_DEFAULTS = builtinScanDefaults(SCANS);
const scansIn = (registry: object) => SCANS.filter((s) => Object.hasOwn(registry, s.type));

/** Stands in for issue 4's scan-configs: the scheduler queues a scan type only once it is registered. */
const fixtureScanConfigs = defineJob({
  type: 'scan-configs',
  describe: 'fixture',
  params: Type.Object({}),
  runsOn: 'host',
  timeoutMs: 1000,
  async run() {
    return null;
  },
});

async function openStore(
  kind: 'sqlite' | 'mongodb',
): Promise<{ store: Store; stop(): Promise<void> }> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(path.join(tmpdir(), 'kw-sched-'));
    const store = openSqliteStore(path.join(dir, 'kw.db'), { synchronous: 'NORMAL' });
    return {
      store,
      stop: async () => (await store.close(), rmSync(dir, { recursive: true, force: true })),
    };
  }
  const mongo = await startFerretDb();
  const store = await openMongoStore(mongo.url);
  return { store, stop: async () => (await store.close(), await mongo.stop()) };
}

describe.each(['sqlite', 'mongodb'] as const)('host scan scheduling on %s', (kind) => {
  let store: Store;
  let stop: () => Promise<void>;
  let queue: JobQueue;
  beforeAll(async () => {
    ({ store, stop } = await openStore(kind));
    queue = new JobQueue(store, { 'scan-configs': fixtureScanConfigs }, () => T0);
  });
  afterAll(async () => stop?.());

  const rows = async (hostId: string) =>
    Object.fromEntries(
      (await store.scanSchedule.listForHost(hostId)).map((e) => [e.scanType, e.intervalMs]),
    );

  it('resolves each host from defaults, then group, then host; unscanned states get nothing', async () => {
    await store.hostGroups.create(
      {
        id: 'g',
        name: 'db',
        description: '',
        scanIntervalsMs: { ...NO_OVERRIDES, 'scan-configs': 2 * H },
      },
      T0,
    );
    await store.hosts.create(newHost('h1', { groupId: 'g' }), T0);
    await store.hosts.create(
      newHost('h2', {
        scanIntervalsMs: { ...NO_OVERRIDES, 'scan-full': 0, 'scan-configs': 6 * H },
      }),
      T0,
    );
    await store.hosts.create(newHost('h3', { state: 'discovered' }), T0);
    expect(await updateJobIntervals(store, SCANS, T0)).toEqual({ hosts: 3, more: false });
    expect(await rows('h1')).toEqual({ ...BUILTIN_SCAN_DEFAULTS, 'scan-configs': 2 * H });
    const { 'scan-full': _full, ...withoutFull } = BUILTIN_SCAN_DEFAULTS;
    expect(await rows('h2')).toEqual({ ...withoutFull, 'scan-configs': 6 * H });
    expect(await rows('h3')).toEqual({});
    expect(await updateJobIntervals(store, SCANS, T0)).toEqual({ hosts: 0, more: false });
  });

  it('recomputes only the hosts a settings change affects', async () => {
    const h2Before = await store.scanSchedule.listForHost('h2');
    await store.hostGroups.update('g', { scanIntervalsMs: { 'scan-configs': 3 * H } }, T0 + 1);
    expect(await updateJobIntervals(store, SCANS, T0 + 1)).toEqual({ hosts: 1, more: false });
    expect((await rows('h1'))['scan-configs']).toBe(3 * H);
    expect(await store.scanSchedule.listForHost('h2')).toEqual(h2Before);
    await store.hosts.update('h3', { state: 'managed' }, T0 + 2);
    expect(await updateJobIntervals(store, SCANS, T0 + 2)).toEqual({ hosts: 1, more: false });
    expect(Object.keys(await rows('h3')).sort()).toEqual(Object.keys(BUILTIN_SCAN_DEFAULTS).sort());
  });

  it('queues due scans of registered types once, with the host, and moves them on', async () => {
    const deps = {
      store,
      scans: scansIn(queue.registry),
      enqueue: async (j: {
        type: string;
        params: Record<string, never>;
        hostId: string;
        dedupeKey: string;
        trigger: 'schedule';
      }) =>
        (
          await queue.enqueueByName(j.type, j.params, {
            createdBy: 'internal-scheduler',
            trigger: j.trigger,
            hostId: j.hostId,
            dedupeKey: j.dedupeKey,
          })
        ).job,
    };
    const r = await enqueueDueScans(deps, T0 + 10);
    expect(r).toEqual({ due: 3, queued: 3, failed: 0, more: false });
    const jobs = await store.jobs.list({ type: ['scan-configs'] }, { limit: 10 });
    expect(jobs.items.map((j) => j.hostId).sort()).toEqual(['h1', 'h2', 'h3']);
    expect(jobs.items.every((j) => j.trigger === 'schedule')).toBe(true);
    // Nothing more is due until the interval has passed; other scan types are not consumed.
    expect(await enqueueDueScans(deps, T0 + 20)).toMatchObject({ due: 0 });
    expect(await store.scanSchedule.countDueBefore(['scan-full'], T0 + 20)).toBe(2);
    const h1 = (await store.scanSchedule.listForHost('h1')).find(
      (e) => e.scanType === 'scan-configs',
    );
    expect(h1).toMatchObject({ nextDueAt: T0 + 10 + 3 * H, lastEnqueuedAt: T0 + 10 });
    // Due again while the last scan is still queued: no second job for the host.
    const again = await enqueueDueScans(deps, T0 + 10 + 3 * H);
    expect(again).toMatchObject({ due: 1, queued: 1 });
    expect(
      (await store.jobs.list({ type: ['scan-configs'], hostId: 'h1' }, { limit: 10 })).items,
    ).toHaveLength(1);
  });
});

const fixtureScan = (type: string) =>
  defineJob({
    type,
    describe: 'fixture',
    params: Type.Object({}),
    runsOn: 'host',
    timeoutMs: 1000,
    async run() {
      return null;
    },
  });

describe.each(['sqlite', 'mongodb'] as const)('full scans folding narrower ones on %s', (kind) => {
  let store: Store;
  let stop: () => Promise<void>;
  let deps: Parameters<typeof enqueueDueScans>[0];
  beforeAll(async () => {
    ({ store, stop } = await openStore(kind));
    const queue = new JobQueue(
      store,
      Object.fromEntries(SCAN_TYPES.map((t) => [t, fixtureScan(t)])),
      () => T0,
    );
    deps = {
      store,
      scans: scansIn(queue.registry),
      enqueue: async (j) =>
        (
          await queue.enqueueByName(j.type, j.params, {
            createdBy: 'internal-scheduler',
            trigger: j.trigger,
            hostId: j.hostId,
            dedupeKey: j.dedupeKey,
          })
        ).job,
    };
  });
  afterAll(async () => stop?.());

  const queued = async (hostId: string) =>
    (await store.jobs.list({ hostId }, { limit: 50 })).items.map((j) => j.type).sort();

  it('queues only the full scan of a host whose scans are all due, and moves every row on with it', async () => {
    await store.hosts.create(newHost('f1'), T0);
    await store.hosts.create(
      newHost('f2', { scanIntervalsMs: { ...NO_OVERRIDES, 'scan-full': 0 } }),
      T0,
    );
    await updateJobIntervals(store, SCANS, T0);
    const r = await enqueueDueScans(deps, T0 + 1);
    expect(r).toMatchObject({ due: 7, queued: 4, failed: 0 });
    // f2 has no full scan, so its narrower scans run on their own.
    expect(await queued('f1')).toEqual(['scan-full']);
    expect(await queued('f2')).toEqual([
      'scan-authorized-keys',
      'scan-configs',
      'scan-host-key-activity',
    ]);
    const full = (await store.jobs.list({ hostId: 'f1' }, { limit: 5 })).items[0];
    for (const row of await store.scanSchedule.listForHost('f1'))
      expect(row, row.scanType).toMatchObject({
        nextDueAt: T0 + 1 + BUILTIN_SCAN_DEFAULTS[row.scanType]!,
        lastJobId: full?.id,
      });
    expect(await enqueueDueScans(deps, T0 + 2)).toMatchObject({ due: 0 });
  });

  it('moves on the narrower scans not yet due when a host full scan is queued', async () => {
    // f1's key-activity scan falls due first (hourly); its weekly full scan later folds it in.
    const hourly = BUILTIN_SCAN_DEFAULTS['scan-host-key-activity']!;
    const at = T0 + 1 + hourly;
    expect(await enqueueDueScans(deps, at)).toMatchObject({ due: 2, queued: 2 });
    expect(await queued('f1')).toEqual(['scan-full', 'scan-host-key-activity']);
    const week = T0 + 1 + BUILTIN_SCAN_DEFAULTS['scan-full']!;
    await enqueueDueScans(deps, week);
    const rows = await store.scanSchedule.listForHost('f1');
    const full = rows.find((e) => e.scanType === 'scan-full');
    for (const row of rows) {
      expect(row.lastJobId, row.scanType).toBe(full?.lastJobId);
      expect(row.nextDueAt, row.scanType).toBe(week + BUILTIN_SCAN_DEFAULTS[row.scanType]!);
    }
  });
});
