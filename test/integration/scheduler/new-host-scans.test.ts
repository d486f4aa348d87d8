/**
 * A newly discovered agentless host is read once: discovery's full scan is the host's
 * first scheduled scan, so the scheduler's next runs queue neither a second scan-full nor
 * the narrower scans a full scan covers. Real sshd hosts, a real controller, its API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostRecord } from '../../../controller/store/host-records';
import { hostScansOf } from '../../../controller/engine/host-scan-scheduler';
import { buildRegistry } from '../../../controller/jobs/registry';
import type { JobRecord } from '../../../controller/store/records';
import { startSshdFleet, type SshdFleet } from '../../helpers/sshd-fleet';
import { startTestController, type TestController } from '../../helpers/test-controller';

/** The product's host scans (their job definitions declare them). */
const SCAN_TYPES = hostScansOf(buildRegistry({ testJobTypes: false })).map((s) => s.type);
const ENDED = ['completed', 'failed', 'cancelled', 'expired'];

async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs = 60_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('scans of newly discovered hosts', () => {
  let fleet: SshdFleet;
  let ctl: TestController;

  beforeAll(async () => {
    [fleet, ctl] = await Promise.all([startSshdFleet({ count: 3 }), startTestController()]);
  }, 120_000);
  afterAll(async () => {
    await ctl?.stop();
    await fleet?.stop();
  });

  const jobs = async (types: readonly string[]) =>
    (await ctl.api<{ items: JobRecord[] }>('GET', `/api/v1/jobs?type=${types.join(',')}&limit=500`))
      .body.items;

  /** A run of internal-scheduler that started after `after` (a running one may be older). */
  const schedulerRunStartedAfter = async (after: number) =>
    waitFor(
      'an internal-scheduler run started after discovery',
      async () => {
        const res = await ctl.api<{ job: JobRecord }>('POST', '/api/v1/jobs', {
          body: { type: 'internal-scheduler' },
        });
        expect(res.status).toBeLessThan(300);
        const done = await waitFor(`job ${res.body.job.id}`, async () => {
          const j = (await ctl.api<JobRecord>('GET', `/api/v1/jobs/${res.body.job.id}`)).body;
          return ENDED.includes(j.state) ? j : null;
        });
        expect(done.state).toBe('completed');
        return (done.startedAt ?? 0) >= after ? done : null;
      },
      30_000,
    );

  it('queues exactly one scan-full per new host and no narrower scan it covers', async () => {
    expect(ctl.services.queue.registry['scan-full']).toBeDefined();
    const csv = [
      'address,management_account,password',
      ...fleet.hosts.map((h) => `${h.address},${h.account},${h.password}`),
    ].join('\n');
    const res = await ctl.api<{ jobId: string }>('POST', '/api/v1/hosts/imports', {
      body: { csv },
    });
    expect(res.status).toBe(202);
    const monitored = await waitFor(
      'every host monitored',
      async () => {
        const page = await ctl.api<{ items: HostRecord[] }>(
          'GET',
          '/api/v1/hosts?state=monitored&limit=100',
        );
        return page.body.items.length === fleet.hosts.length ? page.body.items : null;
      },
      90_000,
    );
    const ids = monitored.map((h) => h.id).sort();
    // Discovery has queued its scans once every switch to monitored has ended.
    await waitFor('to-monitored-state-host ended on every host', async () => {
      const switched = await jobs(['to-monitored-state-host']);
      return switched.length === ids.length && switched.every((j) => ENDED.includes(j.state));
    });
    // Two scheduler runs after that: neither finds anything of these hosts due.
    const after = Date.now();
    await schedulerRunStartedAfter(after);
    await schedulerRunStartedAfter(Date.now());

    const scans = (await jobs(SCAN_TYPES)).filter((j) => ids.includes(j.hostId ?? ''));
    const perHost = (type: string) =>
      scans
        .filter((j) => j.type === type)
        .map((j) => j.hostId)
        .sort();
    expect(perHost('scan-full')).toEqual(ids);
    // First scans are scheduled work: the bulk lane, which leaves workers for admin jobs.
    for (const j of scans) expect((await ctl.services.store.jobs.get(j.id))?.lane).toBe('bulk');
    for (const narrower of ['scan-authorized-keys', 'scan-configs', 'scan-host-key-activity'])
      expect(perHost(narrower), narrower).toEqual([]);
    // Each host's schedule has moved on by a whole interval, every row pointing at that scan.
    for (const id of ids) {
      const full = scans.find((j) => j.type === 'scan-full' && j.hostId === id);
      const rows = await ctl.services.store.scanSchedule.listForHost(id);
      expect(rows.map((r) => r.scanType).sort()).toEqual([...SCAN_TYPES].sort());
      for (const row of rows) {
        expect(row.nextDueAt, `${id} ${row.scanType}`).toBeGreaterThan(after);
        expect(row.lastJobId, `${id} ${row.scanType}`).toBe(full?.id);
      }
    }
  }, 180_000);

  it("scans an agent host discovered at its agent's first connection once, too", async () => {
    const { store, queue } = ctl.services;
    const agentId = `agent-${Date.now().toString(36)}`;
    // The enrolled agent's record as its first hello leaves it (no process: the job under
    // test runs on the controller, and its scan only has to be queued).
    await store.agentFleet.agents.create(
      {
        id: agentId,
        groupId: null,
        enrollmentTokenId: 'icb-token',
        settings: {
          mode: 'stream',
          connectIntervalMs: 60_000,
          maxConcurrentJobs: 4,
          heartbeatIntervalMs: 10_000,
        },
        certificateSerial: '01',
        certificateNotAfter: Date.now() + 86_400_000,
        version: 'test',
        facts: { hostname: 'agent-web-01', os: 'Linux' },
      },
      Date.now(),
    );
    const { job } = await queue.enqueue(
      'discover-agent-host',
      { agentId },
      { createdBy: 'test', trigger: 'event' },
    );
    const done = await waitFor('discover-agent-host', async () => {
      const j = await store.jobs.get(job.id);
      return j && ENDED.includes(j.state) ? j : null;
    });
    expect(done.state, JSON.stringify(done.error)).toBe('completed');
    const hostId = (done.result as { hostId: string }).hostId;
    const after = Date.now();
    await schedulerRunStartedAfter(after);

    const scans = (await jobs(SCAN_TYPES)).filter((j) => j.hostId === hostId);
    expect(scans.map((j) => j.type)).toEqual(['scan-full']);
    expect((await store.jobs.get(scans[0]!.id))?.lane).toBe('bulk');
    for (const row of await store.scanSchedule.listForHost(hostId))
      expect(row.nextDueAt, row.scanType).toBeGreaterThan(after);
  }, 60_000);
});
