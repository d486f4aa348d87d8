/**
 * Applications through the real API and the real `keywarden` CLI, and
 * internal-applications-update run as a job by the engine, on both stores.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { applicationsOfHost } from '../../../controller/applications/applications-of-host';
import { startTestController, type TestController } from '../../helpers/test-controller';
import { fillReportingFleet, runJobNow, type ReportingFleet } from './reporting-fleet';

type App = { id: string; name: string; membersComputedAt: number | null };
type Members = { items: Array<{ hostId: string; account: string | null }>; nextCursor: null };

describe.each(['sqlite', 'mongodb'] as const)('applications (%s)', (storeKind) => {
  let ctl: TestController;
  let fleet: ReportingFleet;
  beforeAll(async () => {
    ctl = await startTestController({ store: storeKind });
    fleet = await fillReportingFleet(ctl);
  }, 120_000);
  afterAll(async () => ctl?.stop());

  const members = async (app: string) =>
    (await ctl.api<Members>('GET', `/api/v1/applications/${app}/members`)).body.items;

  it('defines an application by rules and computes its members at once', async () => {
    const res = await ctl.api<{ application: App; members: number }>(
      'POST',
      '/api/v1/applications',
      {
        body: {
          name: 'web-frontend',
          rules: [{ groupId: fleet.groupId }, { hostPattern: 'DB*', accountPattern: 'pg*' }],
        },
        token: fleet.tokens.operator,
      },
    );
    expect(res.status).toBe(201);
    expect(res.body.members).toBe(3);
    expect(res.body.application.membersComputedAt).toEqual(expect.any(Number));
    expect(await members('web-frontend')).toEqual([
      { hostId: 'h-db1', account: 'pgadmin' },
      { hostId: 'h-web1', account: null },
      { hostId: 'h-web2', account: null },
    ]);
    const store = ctl.services.store;
    const id = res.body.application.id;
    expect(await applicationsOfHost(store, 'h-web1')).toEqual([id]);
    expect(await applicationsOfHost(store, 'h-web1', 'root')).toEqual([id]);
    expect(await applicationsOfHost(store, 'h-db1')).toEqual([]);
    expect(await applicationsOfHost(store, 'h-db1', 'pgadmin')).toEqual([id]);
    expect(await applicationsOfHost(store, 'h-db1', 'postgres')).toEqual([]);
    const audit = await ctl.api<{ items: Array<{ subject: string; actor: string }> }>(
      'GET',
      '/api/v1/audit?action=application.create',
    );
    expect(audit.body.items[0]).toMatchObject({
      subject: id,
      actor: expect.stringContaining('operator'),
    });
  });

  it('recomputes members when the rules change', async () => {
    const res = await ctl.api<{ members: number }>('PATCH', '/api/v1/applications/web-frontend', {
      body: { rules: [{ hostPattern: 'db?.example.com', accountPattern: 'p*' }] },
    });
    expect(res.status).toBe(200);
    expect(res.body.members).toBe(2);
    expect(await members('web-frontend')).toEqual([
      { hostId: 'h-db1', account: 'pgadmin' },
      { hostId: 'h-db1', account: 'postgres' },
    ]);
    expect(await applicationsOfHost(ctl.services.store, 'h-web1')).toEqual([]);
  });

  it('refuses bad rules, naming what is wrong, and leaves nothing changed', async () => {
    const unknownGroup = await ctl.api<{ error: { code: string; message: string } }>(
      'POST',
      '/api/v1/applications',
      { body: { name: 'x', rules: [{ groupId: 'nope' }] } },
    );
    expect(unknownGroup.status).toBe(400);
    expect(unknownGroup.body.error.message).toContain('rules[0].groupId: no host group nope');
    const empty = await ctl.api<{ error: { message: string } }>('POST', '/api/v1/applications', {
      body: { name: 'x', rules: [{}] },
    });
    expect(empty.body.error.message).toContain('rules[0]: a rule needs');
    const badPattern = await ctl.api<{ error: { message: string } }>(
      'PATCH',
      '/api/v1/applications/web-frontend',
      {
        body: { rules: [{ hostPattern: 'a b' }] },
      },
    );
    expect(badPattern.status).toBe(400);
    expect(badPattern.body.error.message).toContain('rules[0].hostPattern');
    expect((await members('web-frontend')).length).toBe(2);
    const list = await ctl.api<{ items: App[] }>('GET', '/api/v1/applications');
    expect(list.body.items.map((a) => a.name)).toEqual(['web-frontend']);
    const auditor = await ctl.api('POST', '/api/v1/applications', {
      body: { name: 'y', rules: [{ hostPattern: '*' }] },
      token: fleet.tokens.auditor,
    });
    expect(auditor.status).toBe(403);
  });

  it('internal-applications-update follows hosts that change after the rules were set', async () => {
    const store = ctl.services.store;
    const app = (await store.applications.list()).find((a) => a.name === 'web-frontend')!;
    // The robot's own run (at start, then every 15 min) must not take the new host before
    // the check that it is not a member yet: off, and its run at start over.
    const robot = 'internal-applications-update';
    await store.robots.update(robot, { enabled: false }, 'test', Date.now());
    await vi.waitFor(
      async () => {
        const active = await store.jobs.list(
          { type: [robot], state: ['queued', 'running'] },
          { limit: 1 },
        );
        expect(active.items).toEqual([]);
      },
      { timeout: 60_000, interval: 100 },
    );
    await store.hosts.create(
      {
        id: 'h-db2',
        name: 'db2.example.com',
        address: '127.0.0.1',
        port: 22,
        kind: 'agent',
        managementAccount: 'root',
        hostKeyFingerprint: null,
        agentId: null,
        os: null,
        sshProduct: null,
        lastSeenAt: null,
      },
      Date.now(),
    );
    await store.inventory.items.sync(
      'account',
      'h-db2',
      [
        {
          kind: 'account',
          hostId: 'h-db2',
          key: 'postgres',
          account: 'postgres',
          fingerprint: null,
          data: { uid: 70, gid: 70, home: '/', shell: '/bin/sh', gecos: '', groups: [] },
        },
      ],
      Date.now(),
    );
    expect(await applicationsOfHost(store, 'h-db2', 'postgres')).toEqual([]);
    const job = await runJobNow(ctl, 'internal-applications-update');
    expect(job).toMatchObject({
      state: 'completed',
      result: { applications: 1, members: { 'web-frontend': 3 } },
    });
    expect(await applicationsOfHost(store, 'h-db2', 'postgres')).toEqual([app.id]);
    await store.robots.update(robot, { enabled: true }, 'test', Date.now());
  });

  it('is managed from the CLI', async () => {
    const add = await fleet.keywarden([
      'applications',
      'add',
      'databases',
      '--rule',
      'host=db*',
      '--description',
      'all databases',
    ]);
    expect(add.stderr).toBe('');
    expect(add.stdout).toMatch(/added databases \(\w+\): 2 members/);
    const list = await fleet.keywarden(['applications', 'list'], fleet.tokens.auditor);
    expect(list.stdout).toMatch(/databases\s+host=db\*/);
    const shown = await fleet.keywarden(['applications', 'members', 'databases']);
    expect(shown.stdout).toMatch(/h-db1\s+\(whole host\)/);
    expect(shown.stdout).toMatch(/h-db2\s+\(whole host\)/);
    const bad = await fleet.keywarden(['applications', 'add', 'z', '--rule', 'colour=red']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--rule: "colour=red" is not');
    const rm = await fleet.keywarden(['applications', 'remove', 'databases']);
    expect(rm.code).toBe(0);
    expect(await applicationsOfHost(ctl.services.store, 'h-db1')).toEqual([]);
    const gone = await fleet.keywarden(['applications', 'show', 'databases']);
    expect(gone.code).toBe(4);
  });
});
