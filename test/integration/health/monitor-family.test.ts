/**
 * The monitor family through real controllers: a robot stalled behind a hung run raises a
 * schedule-late alert and its lag shows in /metrics, both gone once it runs again; the
 * primary key monitor raises and resolves alerts for a SQLite AUTOINCREMENT sequence near
 * its limit and for MongoDB collections past their row and numeric-id limits; the gateway
 * monitor alerts while another process holds the agent port and resolves once a
 * controller's gateway answers its TLS handshake there.
 */
import { createServer, type Server } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertRecord, JobRecord } from '../../../controller/store/records';
import { startTestController, type TestController } from '../../helpers/test-controller';
import { freePort } from '../../helpers/agent-processes';

async function waitFor<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  ms = 90_000,
) {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A run of the robot that starts now (one already going is waited out first), once it ended. */
async function runRobot(ctl: TestController, type: string): Promise<JobRecord> {
  const res = await ctl.api<{ job: JobRecord }>('POST', '/api/v1/jobs', {
    body: { type, params: {} },
  });
  expect([200, 201], JSON.stringify(res.body)).toContain(res.status);
  const ended = await waitFor(`${type} to end`, async () => {
    const j = (await ctl.api<JobRecord>('GET', `/api/v1/jobs/${res.body.job.id}`)).body;
    return ['completed', 'failed'].includes(j.state) ? j : null;
  });
  return res.status === 201 ? ended : runRobot(ctl, type);
}

const alertsOf = async (ctl: TestController, type: string) =>
  (await ctl.api<{ items: AlertRecord[] }>('GET', `/api/v1/alerts?type=${type}&limit=200`)).body
    .items;

async function metric(ctl: TestController, name: string, labels = ''): Promise<number | null> {
  const text = (await ctl.api<string>('GET', '/metrics')).body;
  const esc = `${name}${labels}`.replace(/[{}.[\]()|+*?^$\\]/g, '\\$&');
  const m = new RegExp(`^${esc} (\\S+)$`, 'm').exec(text);
  return m?.[1] === undefined ? null : Number(m[1]);
}

describe('schedule monitor: a robot stalled behind a hung run', { timeout: 180_000 }, () => {
  let ctl: TestController;
  beforeAll(async () => {
    ctl = await startTestController({ env: { KEYWARDEN_SCHEDULE_LATE_AFTER: '1s' } });
  });
  afterAll(async () => ctl?.stop());

  it('raises a schedule-late alert with the lag, and resolves it once the robot runs again', async () => {
    const { store } = ctl.services;
    // test-robot as a periodic robot with one instance, every second.
    await store.robots.update(
      'test-robot',
      { intervalMs: 1000, instances: 1, nextRunAt: Date.now() },
      'test',
      Date.now(),
    );
    await waitFor('a scheduled test-robot run', async () => {
      const done = await store.jobs.list(
        { type: ['test-robot'], state: ['completed'], trigger: ['schedule'] },
        { limit: 1 },
      );
      return done.items.length > 0;
    });
    // A run that hangs for a while holds the robot's one instance.
    const hung = await ctl.api<{ job: JobRecord }>('POST', '/api/v1/jobs', {
      body: { type: 'test-robot', params: { ms: 8000 } },
    });
    const open = await waitFor('the schedule-late alert for test-robot', async () => {
      await runRobot(ctl, 'internal-schedule-monitor');
      return (await alertsOf(ctl, 'schedule-late')).find(
        (a) => a.state === 'open' && a.subject === 'robot:test-robot',
      );
    });
    expect(open).toMatchObject({
      severity: 'warning',
      message: expect.stringMatching(/^periodic robot test-robot is \d+ s late$/) as string,
      context: {
        extra: expect.objectContaining({ robot: 'test-robot', lateAfterSeconds: 1 }) as object,
      },
    });
    expect(
      await metric(ctl, 'keywarden_robot_lag_seconds', '{robot="test-robot"}'),
    ).toBeGreaterThan(1);

    await waitFor('the hung run to end', async () => {
      const j = (await ctl.api<JobRecord>('GET', `/api/v1/jobs/${hung.body.job.id}`)).body;
      return j.state === 'completed';
    });
    const resolved = await waitFor('the alert to be resolved', async () => {
      await runRobot(ctl, 'internal-schedule-monitor');
      const a = (await alertsOf(ctl, 'schedule-late')).find((x) => x.id === open.id);
      return a?.state === 'resolved' ? a : null;
    });
    expect(resolved).toMatchObject({
      stateReason: 'cause gone',
      stateBy: 'internal-schedule-monitor',
    });
    expect(await metric(ctl, 'keywarden_robot_lag_seconds', '{robot="test-robot"}')).toBeLessThan(
      1,
    );
  });
});

describe('primary key monitor: SQLite AUTOINCREMENT headroom', { timeout: 180_000 }, () => {
  let ctl: TestController;
  beforeAll(async () => {
    ctl = await startTestController();
  });
  afterAll(async () => ctl?.stop());

  it('raises an alert for a sequence past 80% of its range and resolves it when back', async () => {
    // Counting every table is not done at start: first ten minutes in.
    const robot = await ctl.services.store.robots.get('internal-primary-key-monitor');
    expect(robot?.nextRunAt).toBeGreaterThan(Date.now() + 9 * 60_000);
    const first = await runRobot(ctl, 'internal-primary-key-monitor');
    expect(first.state, JSON.stringify(first.error)).toBe('completed');
    expect((await alertsOf(ctl, 'store')).filter((a) => a.state === 'open')).toEqual([]);
    expect(await metric(ctl, 'keywarden_store_table_rows', '{table="robots"}')).toBeGreaterThan(5);
    expect(await metric(ctl, 'keywarden_store_bytes')).toBeGreaterThan(0);

    await ctl.services.store.audit.append({
      at: Date.now(),
      actor: 't',
      action: 'pk.test',
      subject: 's',
      details: {},
    });
    const db = new Database(path.join(ctl.services.config.dataDir, 'keywarden.db'));
    try {
      db.prepare(
        `UPDATE sqlite_sequence SET seq = 8000000000000000000 WHERE name = 'audit_feed'`,
      ).run();
      expect((await runRobot(ctl, 'internal-primary-key-monitor')).result).toMatchObject({
        raised: 1,
      });
      const open = (await alertsOf(ctl, 'store')).filter((a) => a.state === 'open');
      expect(open).toEqual([
        expect.objectContaining({
          severity: 'warning',
          subject: 'table:audit_feed',
          message: expect.stringMatching(
            /^table audit_feed has used 86\.7% of its rowid \(AUTOINCREMENT\) range/,
          ) as string,
          context: {
            extra: expect.objectContaining({ table: 'audit_feed', maxPercent: 80 }) as object,
          },
        }),
      ]);
      expect(
        await metric(ctl, 'keywarden_store_key_used_ratio', '{table="audit_feed"}'),
      ).toBeCloseTo(0.867, 3);

      // Back to where it was: the entries appended meanwhile took numbers past 8e18.
      db.prepare(`DELETE FROM audit_feed WHERE seq >= 8000000000000000000`).run();
      db.prepare(
        `UPDATE sqlite_sequence SET seq = (SELECT coalesce(max(seq), 0) FROM audit_feed) WHERE name = 'audit_feed'`,
      ).run();
      expect((await runRobot(ctl, 'internal-primary-key-monitor')).result).toMatchObject({
        resolved: 1,
      });
      expect((await alertsOf(ctl, 'store')).find((a) => a.id === open[0]?.id)).toMatchObject({
        state: 'resolved',
        stateReason: 'cause gone',
      });
    } finally {
      db.close();
    }
  });
});

describe('primary key monitor: MongoDB collection stats (FerretDB)', { timeout: 180_000 }, () => {
  let ctl: TestController;
  let client: MongoClient;
  beforeAll(async () => {
    ctl = await startTestController({
      store: 'mongodb',
      // The default lease: FerretDB answers collStats for each of ~40 collections slowly on
      // a loaded machine, and the test helper's 5 s lease expired under a run's renewals.
      env: { KEYWARDEN_STORE_TABLE_MAX_ROWS: '500', KEYWARDEN_LEASE: '30s' },
    });
    client = new MongoClient(ctl.services.config.storeUrl);
    await client.connect();
  }, 120_000);
  afterAll(async () => {
    await client?.close();
    await ctl?.stop();
  });

  it('raises alerts for a collection past its row limit and for numeric ids near 2^53, and resolves them', async () => {
    expect((await runRobot(ctl, 'internal-primary-key-monitor')).state).toBe('completed');
    expect((await alertsOf(ctl, 'store')).filter((a) => a.state === 'open')).toEqual([]);
    const db = client.db();
    await db
      .collection<{ _id: number }>('kw_growth_test')
      .insertMany(Array.from({ length: 501 }, (_, i) => ({ _id: i + 1 })));
    await db
      .collection<{ _id: number }>('kw_counter_test')
      .insertOne({ _id: Number.MAX_SAFE_INTEGER - 100 });
    const run = await runRobot(ctl, 'internal-primary-key-monitor');
    expect(run.result).toMatchObject({ raised: 2 });
    const open = (await alertsOf(ctl, 'store')).filter((a) => a.state === 'open');
    expect(open).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          subject: 'table:kw_growth_test',
          severity: 'warning',
          message: 'table kw_growth_test holds 501 rows, more than 500',
        }),
        expect.objectContaining({
          subject: 'table:kw_counter_test',
          severity: 'critical',
          message: expect.stringMatching(
            /^table kw_counter_test has used 100\.0% of its _id range/,
          ) as string,
        }),
      ]),
    );
    expect(open).toHaveLength(2);
    expect(await metric(ctl, 'keywarden_store_table_rows', '{table="kw_growth_test"}')).toBe(501);

    await db.collection('kw_growth_test').drop();
    await db.collection('kw_counter_test').drop();
    const after = await runRobot(ctl, 'internal-primary-key-monitor');
    expect(after.result, JSON.stringify(after.error)).toMatchObject({ resolved: 2 });
    expect((await alertsOf(ctl, 'store')).filter((a) => a.state === 'open')).toEqual([]);
  });
});

describe('gateway monitor: the agent port held by another process', { timeout: 180_000 }, () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'kw-gateway-'));
  let ctl: TestController | undefined;
  afterAll(async () => {
    await ctl?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('raises a critical alert while the gateway cannot answer, resolved once it does', async () => {
    const port = await freePort();
    const addr = `127.0.0.1:${port}`;
    const env = { KEYWARDEN_DATA_DIR: dataDir, KEYWARDEN_GRPC_ADDR: addr };
    // Another process's listener on the agent port: accepts, never speaks TLS.
    const stranger: Server = createServer(() => undefined);
    await new Promise<void>((r) => stranger.listen(port, '127.0.0.1', r));
    try {
      ctl = await startTestController({ env });
      expect((await runRobot(ctl, 'internal-gateway-monitor')).result).toMatchObject({ up: false });
      const [open] = (await alertsOf(ctl, 'gateway')).filter((a) => a.state === 'open');
      expect(open).toMatchObject({
        severity: 'critical',
        subject: `gateway:${addr}`,
        message: expect.stringMatching(
          new RegExp(`^agent gateway could not listen on ${addr}: `),
        ) as string,
        context: { extra: expect.objectContaining({ addr }) as object },
      });
      expect(await metric(ctl, 'keywarden_gateway_up')).toBe(0);
      await ctl.stop();
      ctl = undefined;
    } finally {
      await new Promise((r) => stranger.close(r));
    }

    // A controller on the same data directory and address: its gateway binds and answers.
    ctl = await startTestController({ env });
    const run = await runRobot(ctl, 'internal-gateway-monitor');
    expect(run.result).toMatchObject({ up: true, addr, connectedAgents: 0 });
    const alerts = await alertsOf(ctl, 'gateway');
    expect(alerts.filter((a) => a.state === 'open')).toEqual([]);
    expect(alerts[0]).toMatchObject({
      subject: `gateway:${addr}`,
      state: 'resolved',
      stateReason: 'cause gone',
    });
    expect(await metric(ctl, 'keywarden_gateway_up')).toBe(1);
    expect(await metric(ctl, 'keywarden_gateway_handshake_seconds')).toBeGreaterThan(0);
    expect(await metric(ctl, 'keywarden_agents_connected')).toBe(0);
  });
});
