/**
 * Jobs that run exactly at a given time (internal-expire-authorizations queues them an
 * hour ahead) and the schedule monitor's late alerts, through a real controller's API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestController, type TestController } from '../../helpers/test-controller';

type Job = { id: string; state: string; runAt: number; startedAt: number | null };
type Alert = { id: string; subject: string; state: string; type: string; severity: string };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('timed jobs and the schedule monitor', () => {
  let ctl: TestController;
  const runJob = async (type: string) => {
    const r = await ctl.api<{ job: Job }>('POST', '/api/v1/jobs', { body: { type } });
    for (let i = 0; i < 200; i++) {
      const j = await ctl.api<Job & { result: Record<string, unknown> }>(
        'GET',
        `/api/v1/jobs/${r.body.job.id}`,
      );
      if (j.body.state === 'completed') return j.body.result;
      if (j.body.state === 'failed') throw new Error(JSON.stringify(j.body));
      await sleep(25);
    }
    throw new Error(`${type} did not complete`);
  };
  beforeAll(async () => {
    ctl = await startTestController({ env: { KEYWARDEN_SCHEDULE_LATE_AFTER: '300ms' } });
  });
  afterAll(async () => ctl?.stop());

  it('queues the action an hour ahead and starts it at the expiry, not before', async () => {
    const { store } = ctl.services;
    await runJob('internal-expire-authorizations'); // absorbs the run the robot started at start-up
    const expiresAt = Date.now() + 1500;
    await store.expiringRecords.upsert({
      id: 'authorization:a1',
      kind: 'authorization',
      subjectId: 'a1',
      hostId: null,
      expiresAt,
      action: { type: 'test-sleep', params: { ms: 0 } },
    });
    await store.expiringRecords.upsert({
      id: 'authorization:a2',
      kind: 'authorization',
      subjectId: 'a2',
      hostId: null,
      expiresAt: Date.now() + 2 * 3_600_000,
      action: { type: 'test-sleep', params: {} },
    });
    expect(await runJob('internal-expire-authorizations')).toMatchObject({ scheduled: 1 });
    const jobId = (await store.expiringRecords.get('authorization:a1'))?.scheduledJobId;
    expect(jobId).toEqual(expect.any(String));
    expect((await store.expiringRecords.get('authorization:a2'))?.scheduledJobId).toBeNull();
    // Running it again queues nothing twice.
    expect(await runJob('internal-expire-authorizations')).toMatchObject({ scheduled: 0 });
    const queued = await ctl.api<Job>('GET', `/api/v1/jobs/${jobId}`);
    expect(queued.body).toMatchObject({ state: 'queued', runAt: expiresAt });
    let job = queued.body;
    for (let i = 0; i < 150 && job.state !== 'completed'; i++) {
      await sleep(25);
      job = (await ctl.api<Job>('GET', `/api/v1/jobs/${jobId}`)).body;
    }
    expect(job.state).toBe('completed');
    expect(job.startedAt).toBeGreaterThanOrEqual(expiresAt);
    expect(job.startedAt! - expiresAt).toBeLessThan(1000);
  });

  it('raises a late alert for a timed job that cannot start, and resolves it once it ran', async () => {
    const { store } = ctl.services;
    await ctl.api('PATCH', '/api/v1/robots/test-robot', { body: { enabled: false } });
    await store.expiringRecords.upsert({
      id: 'authorization:b1',
      kind: 'authorization',
      subjectId: 'b1',
      hostId: null,
      expiresAt: Date.now() + 100,
      action: { type: 'test-robot', params: { ms: 0 } },
    });
    await runJob('internal-expire-authorizations');
    const jobId = (await store.expiringRecords.get('authorization:b1'))?.scheduledJobId;
    await sleep(700);
    expect(await runJob('internal-schedule-monitor')).toMatchObject({ raised: 1 });
    const open = await ctl.api<{ items: Alert[] }>(
      'GET',
      '/api/v1/alerts?state=open&type=schedule-late',
    );
    expect(open.body.items.map((a) => a.subject)).toContain(`job:${jobId}`);
    await ctl.api('PATCH', '/api/v1/robots/test-robot', { body: { enabled: true } });
    for (let i = 0; i < 100; i++) {
      if ((await ctl.api<Job>('GET', `/api/v1/jobs/${jobId}`)).body.state === 'completed') break;
      await sleep(25);
    }
    const after = await runJob('internal-schedule-monitor');
    expect(after).toMatchObject({ resolved: 1 });
    const resolved = await ctl.api<{ items: Alert[] }>(
      'GET',
      '/api/v1/alerts?state=resolved&type=schedule-late',
    );
    expect(resolved.body.items.map((a) => a.subject)).toContain(`job:${jobId}`);
    expect(await store.expiringRecords.get('authorization:b1')).toBeNull();
  });

  it('stores statistics and the daily reporting block, and purges them by age', async () => {
    const { store } = ctl.services;
    await store.hosts.createMany(
      [0, 1, 2].map((i) => ({
        id: `s${i}`,
        name: `s${i}`,
        address: '10.0.0.9',
        port: 22,
        kind: 'agent' as const,
        state: 'managed' as const,
        hostKeyFingerprint: null,
        managementAccount: null,
        agentId: null,
        os: 'linux',
        sshProduct: null,
        lastSeenAt: Date.now(),
      })),
      Date.now(),
    );
    expect(await runJob('internal-calculate-statistics')).toMatchObject({ hosts: 3 });
    const stats = await ctl.api<{ data: { hosts: { byState: Record<string, number> } } }>(
      'GET',
      '/api/v1/reports/statistics',
    );
    expect(stats.body.data.hosts.byState).toEqual({ managed: 3 });
    expect(await runJob('internal-reporting')).toMatchObject({ hosts: 3, groups: 1 });
    expect((await store.reportingData.latest('reporting'))?.data).toMatchObject({
      hosts: 3,
      groups: { '(none)': { hosts: 3, notSeenForAWeek: 0 } },
    });
    expect(await runJob('internal-purge-reporting-data')).toEqual({ purged: 0 });
    expect(await runJob('internal-purge-alerts')).toEqual({ purged: 0, auditPurged: 0 });
  });
});
