/**
 * Agentless management proven against a fleet of real sshd hosts (distinct loopback
 * addresses, each with its own host key, directory and sudo-capable management account),
 * through the admin API of a real controller.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentlessRuntimeOf } from '../../../controller/agentless/start-agentless-driver';
import { RENEW_STEPS } from '../../../controller/agentless/management-ops';
import { SshSession } from '../../../shared/session/ssh-session';
import type { HostRecord } from '../../../controller/store/host-records';
import type { JobRecord } from '../../../controller/store/records';
import { parsePublicKeyLine } from '../../../shared/ssh/public-key';
import { startSshdFleet, type FleetHost, type SshdFleet } from '../../helpers/sshd-fleet';
import { startTestController, type TestController } from '../../helpers/test-controller';

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

describe('agentless hosts against a fleet of real sshd', () => {
  let fleet: SshdFleet;
  let rangeFleet: SshdFleet;
  let notSsh: Server;
  let ctl: TestController;
  const hostIdOf = new Map<string, string>();

  const job = async (id: string) => (await ctl.api<JobRecord>('GET', `/api/v1/jobs/${id}`)).body;
  const jobEnded = (id: string, timeoutMs = 60_000) =>
    waitFor(
      `job ${id}`,
      async () => {
        const j = await job(id);
        return ['completed', 'failed', 'cancelled', 'expired'].includes(j.state) ? j : null;
      },
      timeoutMs,
    );
  const host = async (id: string) =>
    (
      await ctl.api<
        HostRecord & { credentials: Array<{ slot: string; fingerprint: string | null }> }
      >('GET', `/api/v1/hosts/${id}`)
    ).body;
  const runOn = async (type: string, hostId: string) => {
    const res = await ctl.api<{ job: JobRecord }>('POST', '/api/v1/jobs', {
      body: { type, hostId },
    });
    expect(res.status).toBe(201);
    return jobEnded(res.body.job.id);
  };
  const fleetHost = (i: number) => fleet.hosts[i] as FleetHost;
  const idOf = (h: FleetHost) => hostIdOf.get(h.address) as string;

  beforeAll(async () => {
    [fleet, rangeFleet] = await Promise.all([
      startSshdFleet({ count: 21 }),
      startSshdFleet({ count: 3, octets: [3, 7, 12] }),
    ]);
    // Something that answers on port 22 but is not SSH.
    notSsh = createServer((s) => s.end('HTTP/1.0 400 Bad Request\r\n\r\n'));
    await new Promise<void>((r) => notSsh.listen(22, `${rangeFleet.prefix}.5`, r));
    ctl = await startTestController({ env: { KEYWARDEN_WORKER_CONCURRENCY: '40' } });
  }, 120_000);

  afterAll(async () => {
    await ctl?.stop();
    await new Promise((r) => notSsh?.close(r));
    await Promise.all([fleet?.stop(), rangeFleet?.stop()]);
  });

  it('discovers 20 hosts from a CSV: keys pinned, OS and SSH product found, management keys installed, passwords forgotten', async () => {
    const twenty = fleet.hosts.slice(0, 20);
    const csv = [
      'address,management_account,password,host_key_fingerprint',
      // Every other host gets its expected host key; the rest are pinned on first sight.
      ...twenty.map(
        (h, i) =>
          `${h.address},${h.account},${h.password},${i % 2 ? h.sshd.hostKeyFingerprint : ''}`,
      ),
    ].join('\n');
    const res = await ctl.api<{ jobId: string; rows: number }>('POST', '/api/v1/hosts/imports', {
      body: { csv, fileName: 'fleet.csv' },
    });
    expect(res.status).toBe(202);
    expect(res.body.rows).toBe(20);
    const imp = await jobEnded(res.body.jobId);
    const report = imp.result as {
      importedCount: number;
      failedCount: number;
      imported: Array<{ hostId: string; address: string }>;
    };
    expect(imp.state).toBe('completed');
    expect(report).toMatchObject({ importedCount: 20, failedCount: 0 });
    for (const r of report.imported) hostIdOf.set(r.address.replace(/:22$/, ''), r.hostId);

    const started = Date.now();
    await waitFor(
      '20 hosts monitored',
      async () => {
        const page = await ctl.api<{ items: HostRecord[] }>(
          'GET',
          '/api/v1/hosts?state=monitored&limit=100',
        );
        return page.body.items.length === 20;
      },
      90_000,
    );
    const discoveryMs = Date.now() - started;
    // Discovery ends by queueing each host's first full scan, one per host: it is also the
    // host's first scheduled scan, so no second one and no narrower scan follows it.
    if (ctl.services.queue.registry['scan-full']) {
      // A host is monitored a moment before its switch job queues the scan.
      await waitFor('every switch to monitored ended', async () => {
        const switched = await ctl.api<{ items: JobRecord[] }>(
          'GET',
          '/api/v1/jobs?type=to-monitored-state-host&limit=100',
        );
        return (
          switched.body.items.length === 20 &&
          switched.body.items.every((j) => ['completed', 'failed'].includes(j.state))
        );
      });
      const scans = await ctl.api<{ items: JobRecord[] }>(
        'GET',
        '/api/v1/jobs?type=scan-full,scan-authorized-keys,scan-configs,scan-host-key-activity&limit=500',
      );
      expect(scans.body.items.map((j) => `${j.type} ${j.hostId}`).sort()).toEqual(
        twenty.map((h) => `scan-full ${idOf(h)}`).sort(),
      );
    }

    for (const [i, h] of twenty.entries()) {
      const rec = await host(idOf(h));
      expect(rec).toMatchObject({
        state: 'monitored',
        kind: 'agentless',
        managementAccount: h.account,
        hostKeyFingerprint: h.sshd.hostKeyFingerprint,
      });
      expect(rec.sshProduct).toMatch(/^OpenSSH/);
      expect(rec.os).toMatch(/Linux/);
      // Only the management key is kept; no secret is ever in an API answer.
      expect(rec.credentials.map((c) => c.slot)).toEqual(['management']);
      expect(JSON.stringify(rec)).not.toContain(h.password);
      expect(JSON.stringify(rec)).not.toMatch(/PRIVATE KEY/);
      const fp = rec.credentials[0]?.fingerprint as string;
      const lines = (await h.authorizedKeys()).split('\n').filter((l) => l.includes('ssh-ed25519'));
      expect(
        lines.map((l) => {
          const p = parsePublicKeyLine(l.replace(/^.*?(ssh-ed25519)/, '$1'));
          return p.ok ? p.key.sha256 : null;
        }),
      ).toContain(fp);
      const audit = await ctl.api<{ items: Array<{ action: string; details: { how?: string } }> }>(
        'GET',
        `/api/v1/audit?subject=${idOf(h)}&limit=50`,
      );
      if (audit.status === 200) {
        const pinned = audit.body.items.find((a) => a.action === 'host.key.pinned');
        expect(pinned?.details.how).toBe(i % 2 ? 'expected' : 'first-seen');
        expect(audit.body.items.map((a) => a.action)).toContain(
          'host.initial-credential.forgotten',
        );
      }
    }
    // From now on Keywarden logs in with the management key only.
    const h0 = fleetHost(0);
    const passwordLogins = () =>
      readFileSync(h0.sshd.logPath, 'utf8')
        .split('\n')
        .filter((l) => /Accepted password/.test(l)).length;
    const before = passwordLogins();
    expect((await runOn('to-managed-state-host', idOf(h0))).state).toBe('completed');
    expect(passwordLogins()).toBe(before);
    expect(readFileSync(h0.sshd.logPath, 'utf8')).toMatch(
      new RegExp(`Accepted publickey for ${h0.account}`),
    );
    expect((await host(idOf(h0))).state).toBe('managed');

    // At rest: a 0600 master key, and neither passwords nor private keys in the store file.
    const dataDir = ctl.services.config.dataDir;
    expect(statSync(path.join(dataDir, 'master.key')).mode & 0o777).toBe(0o600);
    const dbBytes =
      readFileSync(path.join(dataDir, 'keywarden.db')).toString('latin1') +
      readFileSync(path.join(dataDir, 'keywarden.db-wal'), { flag: 'r' }).toString('latin1');
    for (const h of twenty) expect(dbBytes).not.toContain(h.password);
    expect(dbBytes).not.toContain('OPENSSH PRIVATE KEY');

    const stats = agentlessRuntimeOf(ctl.services.store)?.pool.stats();
    expect(stats?.peakOpen).toBeLessThanOrEqual(64);
    expect(stats?.reused).toBeGreaterThan(0);
    console.log(`discovered 20 hosts in ${discoveryMs} ms; pool ${JSON.stringify(stats)}`);
  }, 150_000);

  it('renews a management key: new key in, login proven, old key out', async () => {
    const h = fleetHost(1);
    const before = (await host(idOf(h))).credentials.find(
      (c) => c.slot === 'management',
    )?.fingerprint;
    const res = await ctl.api<{ jobId: string }>(
      'POST',
      `/api/v1/hosts/${idOf(h)}/renew-management-key`,
    );
    expect(res.status).toBe(202);
    const done = await jobEnded(res.body.jobId);
    expect(done.state).toBe('completed');
    const after = (await host(idOf(h))).credentials;
    expect(after.map((c) => c.slot)).toEqual(['management']);
    const fp = after[0]?.fingerprint;
    expect(fp).not.toBe(before);
    const keys = await h.authorizedKeys();
    expect(keys.match(/ssh-ed25519/g)).toHaveLength(1);
    expect((await runOn('to-managed-state-host', idOf(h))).state).toBe('completed');
  }, 120_000);

  it('leaves a working management key when renewal fails at any step', async () => {
    const runtime = agentlessRuntimeOf(ctl.services.store);
    if (!runtime) throw new Error('no agentless runtime');
    const h = fleetHost(2);
    const id = idOf(h);
    const managementLogin = async () => {
      const cred = await runtime.vault.open(id, 'management');
      const s = await SshSession.connect({
        host: h.address,
        port: h.port,
        username: h.account,
        privateKey: cred?.secret,
        hostKeyFingerprint: h.sshd.hostKeyFingerprint,
      });
      const r = await s.exec('true', []);
      await s.close();
      return r.code;
    };
    for (const step of RENEW_STEPS) {
      const fpBefore = (await runtime.vault.record(id, 'management'))?.fingerprint;
      runtime.driver.faults.beforeRenewStep = (at) => {
        if (at === step) throw new Error(`injected failure before ${step}`);
      };
      const fakeJob = { id: `fault-${step}`, hostId: id } as JobRecord;
      await expect(
        runtime.driver.run({
          job: fakeJob,
          host: await ctl.services.store.hosts.get(id),
          operation: 'renew-management-key',
          args: {},
          step: 0,
          signal: new AbortController().signal,
        }),
      ).rejects.toThrow(`injected failure before ${step}`);
      runtime.driver.faults = {};
      // The key the store names logs in, and a real job on the host still works.
      expect(await managementLogin()).toBe(0);
      expect((await runOn('to-managed-state-host', id)).state).toBe('completed');
      const fpAfter = (await runtime.vault.record(id, 'management'))?.fingerprint;
      const slots = (await host(id)).credentials.map((c) => c.slot);
      if (step === 'remove-old-key') {
        // The new key is the management key; the old one is still on the host and recorded, to be removed.
        expect(fpAfter).not.toBe(fpBefore);
        expect(slots).toEqual(['management', 'retired']);
        expect((await h.authorizedKeys()).match(/ssh-ed25519/g)).toHaveLength(2);
      } else {
        // Nothing changed: the unproven key was taken back off the host.
        expect(fpAfter).toBe(fpBefore);
        expect(slots).toEqual(['management']);
        expect((await h.authorizedKeys()).match(/ssh-ed25519/g)).toHaveLength(1);
      }
    }
    // A renewal after the failed removal finishes it.
    const res = await ctl.api<{ jobId: string }>(
      'POST',
      `/api/v1/hosts/${id}/renew-management-key`,
    );
    const done = await jobEnded(res.body.jobId);
    expect(done).toMatchObject({ state: 'completed', result: { resumed: true, removed: 1 } });
    expect((await h.authorizedKeys()).match(/ssh-ed25519/g)).toHaveLength(1);
    expect(await managementLogin()).toBe(0);
  }, 90_000);

  it('stops all work on a host whose key changed, with an alert, until an admin accepts the new key', async () => {
    const h = fleetHost(3);
    const id = idOf(h);
    const newFp = await h.changeHostKey();
    await waitFor(
      'sshd with the new key',
      async () => {
        const { probeHostKeyFingerprint } = await import('../../../shared/session/ssh-connect');
        return (
          (await probeHostKeyFingerprint({ host: h.address, port: h.port }).catch(() => null)) ===
          newFp
        );
      },
      15_000,
    );
    // The connectivity robot's next handshake sees the new key (a session opened before the
    // change was checked against the pinned key when it was opened, and may finish its job).
    const check = await ctl.api<{ job: JobRecord }>('POST', '/api/v1/jobs', {
      body: { type: 'connectivity-test', params: { timeoutMs: 2000 } },
    });
    expect((await jobEnded(check.body.job.id)).result).toMatchObject({ hostKeyMismatch: 1 });
    expect((await host(id)).state).toBe('host-key-mismatch');
    const alerts = await ctl.api<{
      items: Array<{ type: string; subject: string; state: string; severity: string }>;
    }>('GET', '/api/v1/alerts?state=open');
    expect(alerts.body.items).toContainEqual(
      expect.objectContaining({ type: 'host-key-mismatch', subject: id, severity: 'critical' }),
    );
    // Further work is refused without even connecting.
    const logBefore = readFileSync(h.sshd.logPath, 'utf8').length;
    const second = await runOn('renew-mgmt-key', id);
    expect(second).toMatchObject({ state: 'failed', error: { code: 'HOST_KEY_MISMATCH' } });
    expect(second.error?.message).toMatch(/accept/);
    expect(readFileSync(h.sshd.logPath, 'utf8').length).toBe(logBefore);
    // Only an admin may accept; accepting resumes work and resolves the alert.
    const accepted = await ctl.api<HostRecord>('POST', `/api/v1/hosts/${id}/accept-host-key`, {
      body: {},
    });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ state: 'monitored', hostKeyFingerprint: newFp });
    const open = await ctl.api<{ items: Array<{ type: string; subject: string }> }>(
      'GET',
      '/api/v1/alerts?state=open',
    );
    expect(open.body.items.filter((a) => a.subject === id)).toEqual([]);
    expect((await runOn('to-managed-state-host', id)).state).toBe('completed');
  }, 60_000);

  it('imports a CSV with bad rows: each failed row is reported with its line, field and reason; good rows are imported', async () => {
    const good = fleetHost(20);
    const other = fleetHost(5);
    const csv = [
      'address,port,management_account,password,private_key,host_key_fingerprint,group_id',
      `${good.address},22,${good.account},${good.password},,,`,
      `${good.address},99999,${good.account},pw,,,`,
      `not an address!,22,root,pw,,,`,
      `10.9.9.9,22,,pw,,,`,
      `10.9.9.10,22,root,,,,`,
      `10.9.9.11,22,root,pw,"-----BEGIN OPENSSH PRIVATE KEY-----\nxx\n-----END OPENSSH PRIVATE KEY-----",,`,
      `10.9.9.12,22,root,pw,,SHA256:short,`,
      `10.9.9.13,22,root,pw,,,no-such-group`,
      `${other.address},22,${other.account},${other.password},,,`,
      `10.9.9.14,22,root`,
      `${good.address},22,${good.account},${good.password},,,`,
    ].join('\n');
    const res = await ctl.api<{ jobId: string }>('POST', '/api/v1/hosts/imports', {
      body: { csv },
    });
    expect(res.status).toBe(202);
    const imp = await jobEnded(res.body.jobId);
    const report = imp.result as {
      importedCount: number;
      failed: Array<{ line: number; field: string; reason: string }>;
      imported: Array<{ line: number }>;
    };
    expect(report.imported.map((r) => r.line)).toEqual([2]);
    // The private key on line 7 is a quoted field spanning three lines: later rows start lower.
    const byLine = Object.fromEntries(report.failed.map((f) => [f.line, f]));
    expect(byLine[3]).toMatchObject({ field: 'port' });
    expect(byLine[4]).toMatchObject({ field: 'address' });
    expect(byLine[5]).toMatchObject({ field: 'management_account' });
    expect(byLine[6]).toMatchObject({
      field: 'password',
      reason: expect.stringMatching(/credential is required/),
    });
    expect(byLine[7]).toMatchObject({
      field: 'password',
      reason: expect.stringMatching(/not both/),
    });
    expect(byLine[10]).toMatchObject({ field: 'host_key_fingerprint' });
    expect(byLine[11]).toMatchObject({
      field: 'group_id',
      reason: expect.stringMatching(/no-such-group/),
    });
    expect(byLine[12]).toMatchObject({
      field: 'address',
      reason: expect.stringMatching(/already exists/),
    });
    expect(byLine[13]).toMatchObject({ field: '(row)' });
    expect(byLine[14]).toMatchObject({ field: 'address', reason: expect.stringMatching(/line 2/) });
    expect(report.failed).toHaveLength(10);
    expect(JSON.stringify(report)).not.toContain(good.password);
    // A file that cannot be read at all is refused at once.
    const bad = await ctl.api<{ error: { code: string; message: string } }>(
      'POST',
      '/api/v1/hosts/imports',
      { body: { csv: 'ip,user\n1.2.3.4,root' } },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/unknown CSV column/);
    await waitFor(
      'imported host monitored',
      async () => (await host(report.imported[0] ? hostIdOfGood() : '')).state === 'monitored',
      60_000,
    );
    function hostIdOfGood() {
      return (imp.result as { imported: Array<{ hostId: string }> }).imported[0]?.hostId as string;
    }
  }, 90_000);

  it('discovers a range in which only some addresses run sshd', async () => {
    const res = await ctl.api<{ jobId: string; addresses: number }>(
      'POST',
      '/api/v1/hosts/discoveries',
      {
        body: {
          cidr: `${rangeFleet.prefix}.0/28`,
          concurrency: 8,
          ratePerSecond: 50,
          timeoutMs: 1000,
        },
      },
    );
    expect(res.status).toBe(202);
    expect(res.body.addresses).toBe(14);
    const done = await jobEnded(res.body.jobId);
    expect(done.state).toBe('completed');
    const r = done.result as {
      scanned: number;
      sshServers: number;
      notSsh: number;
      silent: number;
      added: Array<{ hostId: string; address: string; sshProduct: string }>;
    };
    expect(r).toMatchObject({ scanned: 14, sshServers: 3, notSsh: 1, silent: 10 });
    expect(r.added.map((a) => a.address)).toEqual(rangeFleet.hosts.map((h) => `${h.address}:22`));
    for (const a of r.added) {
      expect(await host(a.hostId)).toMatchObject({
        state: 'discovered',
        kind: 'agentless',
        sshProduct: expect.stringMatching(/^OpenSSH/),
      });
    }
    // Scanning again finds the same servers and adds nothing twice.
    const again = await ctl.api<{ jobId: string }>('POST', '/api/v1/hosts/discoveries', {
      body: { cidr: `${rangeFleet.prefix}.0/28`, timeoutMs: 1000 },
    });
    const second = await jobEnded(again.body.jobId);
    expect(second.result).toMatchObject({
      added: [],
      alreadyKnown: expect.arrayContaining([
        expect.objectContaining({ address: `${rangeFleet.prefix}.3:22` }),
      ]),
    });
    // A range outside IPv4 CIDR syntax is refused at once.
    const bad = await ctl.api('POST', '/api/v1/hosts/discoveries', {
      body: { cidr: '127.0.0.0/33' },
    });
    expect(bad.status).toBe(400);
  }, 60_000);

  it('tests connectivity: a host that stops answering becomes unreachable, then returns to its state', async () => {
    const h = fleetHost(6);
    const id = idOf(h);
    const pid = Number(readFileSync(h.sshd.pidPath, 'utf8').trim());
    const connectivityTest = async () => {
      const run = await ctl.api<{ job: JobRecord }>('POST', '/api/v1/jobs', {
        body: { type: 'connectivity-test', params: { timeoutMs: 1000 } },
      });
      const done = await jobEnded(run.body.job.id);
      expect(done.state).toBe('completed');
      return done.result as { checked: number; reachable: number; unreachable: number };
    };
    // A frozen sshd still accepts TCP connections (the kernel does) but never says hello.
    process.kill(pid, 'SIGSTOP');
    try {
      expect(await connectivityTest()).toMatchObject({ unreachable: 1 });
      expect((await host(id)).state).toBe('unreachable');
      expect((await host(idOf(fleetHost(7)))).state).toBe('monitored');
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    const back = await connectivityTest();
    expect(back.unreachable).toBe(0);
    expect(back.reachable).toBe(back.checked);
    expect((await host(id)).state).toBe('monitored');
  }, 60_000);

  it('runs a batch action as one parent with a child per host', async () => {
    const rangeAddresses = new Set(rangeFleet.hosts.map((h) => h.address));
    const ids = (
      await ctl.api<{ items: HostRecord[] }>('GET', '/api/v1/hosts?state=discovered&limit=100')
    ).body.items
      .filter((h) => rangeAddresses.has(h.address))
      .map((h) => h.id);
    expect(ids.length).toBe(3);
    const res = await ctl.api<{ jobId: string; hosts: number }>('POST', '/api/v1/hosts/batch', {
      body: { action: 'delete', hostIds: ids },
    });
    expect(res.status).toBe(202);
    const parent = await jobEnded(res.body.jobId);
    expect(parent).toMatchObject({
      state: 'completed',
      result: { children: { completed: 3, total: 3 } },
    });
    for (const id of ids) expect((await ctl.api('GET', `/api/v1/hosts/${id}`)).status).toBe(404);
  }, 60_000);

  it('serves the same through the CLI: list hosts, refuse a bad fingerprint naming the field', async () => {
    const { runCli } = await import('../../../controller/cli/main');
    const out: string[] = [];
    const err: string[] = [];
    const env = { KEYWARDEN_URL: ctl.url, KEYWARDEN_TOKEN: ctl.adminToken };
    const code = await runCli(
      ['hosts', 'list', '--state', 'monitored,managed', '--limit', '100', '--json'],
      env,
      (s) => out.push(s),
      (s) => err.push(s),
    );
    expect(code).toBe(0);
    const listed = JSON.parse(out.join('')) as { items: HostRecord[] };
    expect(listed.items.length).toBeGreaterThanOrEqual(18);
    const dir = mkdtempSync(path.join(tmpdir(), 'kw-cli-'));
    try {
      writeFileSync(path.join(dir, 'pw'), 'secret\n', { mode: 0o600 });
      const bad = await runCli(
        [
          'hosts',
          'add',
          '10.9.9.99',
          '--account',
          'root',
          '--password-file',
          path.join(dir, 'pw'),
          '--fingerprint',
          'SHA256:nope',
        ],
        env,
        (s) => out.push(s),
        (s) => err.push(s),
      );
      expect(bad).toBe(1);
      expect(err.join('\n')).toMatch(/INVALID_INPUT: hostKeyFingerprint/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
