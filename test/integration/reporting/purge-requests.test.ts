/**
 * Purge requests as two admins use them, through the real API and CLI, on both stores: one
 * asks, the same admin cannot approve, another approves, and purge-database-objects deletes
 * exactly the records older than the date and leaves an audit entry naming both admins.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestController, type TestController } from '../../helpers/test-controller';
import { DAY, fillReportingFleet, type ReportingFleet } from './reporting-fleet';

type Req = { id: string; state: string; jobId: string | null; purged: number | null };
type Err = { error: { code: string; message: string } };
type Audit = {
  items: Array<{
    action: string;
    subject: string;
    actor: string;
    details: Record<string, unknown>;
  }>;
};

describe.each(['sqlite', 'mongodb'] as const)('purge requests (%s)', (storeKind) => {
  let ctl: TestController;
  let fleet: ReportingFleet;
  beforeAll(async () => {
    ctl = await startTestController({ store: storeKind });
    fleet = await fillReportingFleet(ctl);
  }, 120_000);
  afterAll(async () => ctl?.stop());

  const waitDone = async (id: string) => {
    await vi.waitFor(
      async () => {
        const r = await ctl.api<Req>('GET', `/api/v1/purge-requests/${id}`);
        expect(r.body.state).toBe('done');
      },
      { timeout: 30_000, interval: 100 },
    );
    return (await ctl.api<Req>('GET', `/api/v1/purge-requests/${id}`)).body;
  };

  it('purges key activity only after a different admin approves', async () => {
    const store = ctl.services.store;
    const cut = new Date(fleet.now - 100 * DAY).toISOString();
    const asked = await ctl.api<Req>('POST', '/api/v1/purge-requests', {
      body: { kind: 'key-activity', before: cut, reason: 'old logins' },
    });
    expect(asked.status).toBe(201);
    expect(asked.body.state).toBe('pending');
    // Nothing is purged while it waits.
    expect((await store.inventory.keyUsage.list({})).length).toBe(3);

    const self = await ctl.api<Err>('POST', `/api/v1/purge-requests/${asked.body.id}/approve`);
    expect(self.status).toBe(403);
    expect(self.body.error.code).toBe('FORBIDDEN');
    expect(self.body.error.message).toContain('another admin must approve it');
    const operator = await ctl.api<Err>('POST', `/api/v1/purge-requests/${asked.body.id}/approve`, {
      token: fleet.tokens.operator,
    });
    expect(operator.status).toBe(403);
    expect((await ctl.api<Req>('GET', `/api/v1/purge-requests/${asked.body.id}`)).body.state).toBe(
      'pending',
    );

    const approved = await ctl.api<{ request: Req; job: { id: string; type: string } }>(
      'POST',
      `/api/v1/purge-requests/${asked.body.id}/approve`,
      { token: fleet.tokens.admin2 },
    );
    expect(approved.status).toBe(202);
    expect(approved.body.job.type).toBe('purge-database-objects');
    const done = await waitDone(asked.body.id);
    expect(done).toMatchObject({ purged: 1, jobId: approved.body.job.id });
    // The login of 200 days ago is gone; those of the last days stay.
    const left = await store.inventory.keyUsage.list({});
    expect(left.map((u) => u.from).sort()).toEqual(['192.0.2.10', '192.0.2.20']);
    expect(left.every((u) => u.lastUsedAt > fleet.now - 100 * DAY)).toBe(true);

    const again = await ctl.api<Err>('POST', `/api/v1/purge-requests/${asked.body.id}/approve`, {
      token: fleet.tokens.admin2,
    });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('CONFLICT');

    const audit = await ctl.api<Audit>('GET', `/api/v1/audit?subject=${asked.body.id}`);
    const entry = audit.body.items.find((e) => e.action === 'purge.done');
    expect(entry?.details).toMatchObject({
      kind: 'key-activity',
      before: cut,
      purged: 1,
      requestedBy: expect.stringMatching(/^token:bootstrap-admin#/),
      approvedBy: expect.stringMatching(/^token:admin2#/),
    });
    expect(audit.body.items.map((e) => e.action).sort()).toEqual([
      'purge-request.approve',
      'purge-request.create',
      'purge.done',
    ]);
  });

  it('refuses a date in the future and an unknown kind, naming the field', async () => {
    const future = await ctl.api<Err>('POST', '/api/v1/purge-requests', {
      body: { kind: 'audit', before: new Date(Date.now() + DAY).toISOString() },
    });
    expect(future.status).toBe(400);
    expect(future.body.error.message).toMatch(/^before: .* is in the future/);
    const kind = await ctl.api<Err>('POST', '/api/v1/purge-requests', {
      body: { kind: 'jobs', before: '2020-01-01' },
    });
    expect(kind.status).toBe(400);
    const auditor = await ctl.api<Err>('POST', '/api/v1/purge-requests', {
      body: { kind: 'audit', before: '2020-01-01' },
      token: fleet.tokens.auditor,
    });
    expect(auditor.status).toBe(403);
  });

  it('purges old audit records from the CLI, with two admins', async () => {
    const store = ctl.services.store;
    // Within the retention internal-purge-alerts keeps (365 days), so only the request purges.
    const at = (days: number) => fleet.now - days * DAY;
    await store.audit.append({
      at: at(200),
      actor: 'x',
      action: 'old.thing',
      subject: 's',
      details: {},
    });
    await store.audit.append({
      at: at(50),
      actor: 'x',
      action: 'old.thing',
      subject: 's2',
      details: {},
    });
    const cut = new Date(at(100)).toISOString().slice(0, 10);
    const asked = await fleet.keywarden([
      'purge',
      'request',
      'audit',
      '--before',
      cut,
      '--reason',
      'retention',
    ]);
    expect(asked.stderr).toBe('');
    const id = /requested (\w+)/.exec(asked.stdout)?.[1];
    expect(id).toBeDefined();
    const self = await fleet.keywarden(['purge', 'approve', id!]);
    expect(self.code).toBe(3);
    expect(self.stderr).toContain('FORBIDDEN');
    const ok = await fleet.keywarden(['purge', 'approve', id!], fleet.tokens.admin2);
    expect(ok.stdout).toMatch(/approved \w+: purge-database-objects job \w+/);
    expect(await waitDone(id!)).toMatchObject({ purged: 1 });
    const left = await store.audit.list({ action: 'old.thing' }, { limit: 10 });
    expect(left.items.map((e) => e.subject)).toEqual(['s2']);
    const list = await fleet.keywarden(['purge', 'list', '--state', 'done'], fleet.tokens.auditor);
    expect(list.stdout).toContain(id);
  });

  it('lets the asker withdraw a request, which then cannot be approved', async () => {
    const asked = await ctl.api<Req>('POST', '/api/v1/purge-requests', {
      body: { kind: 'audit', before: '2001-01-01' },
    });
    const rejected = await ctl.api<Req>('POST', `/api/v1/purge-requests/${asked.body.id}/reject`);
    expect(rejected.body.state).toBe('rejected');
    const late = await ctl.api<Err>('POST', `/api/v1/purge-requests/${asked.body.id}/approve`, {
      token: fleet.tokens.admin2,
    });
    expect(late.status).toBe(409);
  });
});
