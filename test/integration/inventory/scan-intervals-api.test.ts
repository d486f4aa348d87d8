/**
 * Host groups and the global, group and host scan intervals through the real API: who may
 * change them, what is refused, and that update-job-intervals (queued by each change)
 * moves the scheduler's rows, with the internal-scheduler robot off. On both stores.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestController, type TestController } from '../../helpers/test-controller';
import { jobEnded } from './scanned-host';

type Err = { error: { code: string; message: string; details: { field?: string } } };
type Page<T = Record<string, unknown>> = { items: T[]; nextCursor: string | null };

describe.each(['sqlite', 'mongodb'] as const)('host groups and scan intervals (%s)', (store) => {
  let ctl: TestController;
  const tokens = { auditor: '', operator: '' };
  const get = <T>(p: string) => ctl.api<T>('GET', p);

  beforeAll(async () => {
    ctl = await startTestController({ store });
    for (const role of ['auditor', 'operator'] as const)
      tokens[role] = (
        await ctl.api<{ secret: string }>('POST', '/api/v1/tokens', { body: { name: role, role } })
      ).body.secret;
    // Schedules move only when update-job-intervals runs.
    await ctl.api('PATCH', '/api/v1/robots/internal-scheduler', { body: { enabled: false } });
  }, 120_000);
  afterAll(async () => ctl?.stop());

  it('changes global, group and host scan intervals: operators may, auditors may not, schedules follow', async () => {
    const { store } = ctl.services;
    const host = await store.hosts.create(
      {
        name: 'interval-host',
        address: '192.0.2.10',
        port: 22,
        kind: 'agentless',
        state: 'monitored',
        hostKeyFingerprint: null,
        managementAccount: 'mgmt',
        agentId: null,
        os: null,
        sshProduct: null,
        lastSeenAt: null,
      },
      Date.now(),
    );
    const patch = (p: string, body: unknown, token = tokens.operator) =>
      ctl.api<Err & { updateJobId: string; effective: Record<string, number> }>('PATCH', p, {
        body,
        token,
      });

    const refused = await patch(
      '/api/v1/scan-intervals',
      { 'scan-full': 7_200_000 },
      tokens.auditor,
    );
    expect(refused.status).toBe(403);
    const tooShort = await patch('/api/v1/scan-intervals', { 'scan-full': 5 });
    expect(tooShort.status).toBe(400);
    expect(tooShort.body.error.details.field).toBe('scan-full');
    const unknownScan = await patch('/api/v1/scan-intervals', { 'scan-everything': 7_200_000 });
    expect(unknownScan.body.error.details.field).toBe('scan-everything');

    const global = await patch('/api/v1/scan-intervals', { 'scan-full': 7_200_000 });
    expect(global.status).toBe(200);
    const job = await jobEnded(ctl, global.body.updateJobId);
    expect(job).toMatchObject({ type: 'update-job-intervals', state: 'completed' });
    expect((job.result as { hostsRecomputed: number }).hostsRecomputed).toBeGreaterThanOrEqual(1);
    const schedule = async () =>
      Object.fromEntries(
        (await store.scanSchedule.listForHost(host.id)).map((e) => [e.scanType, e.intervalMs]),
      );
    expect((await schedule())['scan-full']).toBe(7_200_000);

    const group = await ctl.api<{ id: string }>('POST', '/api/v1/host-groups', {
      token: tokens.operator,
      body: { name: 'web', scanIntervalsMs: { 'scan-configs': 3_600_000 } },
    });
    expect(group.status).toBe(201);
    const joined = await ctl.api<{ updateJobId: string; effective: Record<string, number> }>(
      'PUT',
      `/api/v1/hosts/${host.id}/group`,
      { token: tokens.operator, body: { groupId: group.body.id } },
    );
    expect(joined.body.effective['scan-configs']).toBe(3_600_000);
    await jobEnded(ctl, joined.body.updateJobId);
    expect((await schedule())['scan-configs']).toBe(3_600_000);

    const own = await patch(`/api/v1/hosts/${host.id}/scan-intervals`, { 'scan-configs': 0 });
    expect(own.body.effective['scan-configs']).toBe(0);
    await jobEnded(ctl, own.body.updateJobId);
    expect((await schedule())['scan-configs']).toBeUndefined();

    const regroup = await patch(`/api/v1/host-groups/${group.body.id}`, {
      scanIntervalsMs: { 'scan-authorized-keys': 10_800_000 },
    });
    await jobEnded(ctl, regroup.body.updateJobId);
    expect((await schedule())['scan-authorized-keys']).toBe(10_800_000);
    const audit = await get<Page<{ action: string }>>('/api/v1/audit?limit=50');
    expect(audit.body.items.map((a) => a.action)).toEqual(
      expect.arrayContaining([
        'scan-intervals.update',
        'host-group.create',
        'host.group.update',
        'host.scan-intervals.update',
        'host-group.update',
      ]),
    );
  }, 240_000);
});
