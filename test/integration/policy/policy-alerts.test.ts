/**
 * Policy violations as an operator sees them, with real parts: a real sshd on loopback
 * whose root accepts a 1024-bit RSA key from anywhere, scanned by a real scan-full through
 * a real controller; alerts read through the HTTP API. Fixing the file and scanning again
 * resolves the alert; a dismissed alert is not raised again while its cause persists.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertRecord, JobRecord } from '../../../controller/store/records';
import { generateClientKey, startTestSshd, type TestSshd } from '../../helpers/sshd';
import { startTestController, type TestController } from '../../helpers/test-controller';
import { hostIdOf, rootConnection, type ClientKey } from '../jobs/host-job-harness';
import { jobEnded, keywarden } from '../inventory/scanned-host';
import type { Connection } from '../../../controller/inventory/host-target';

const run = promisify(execFile);

type Page<T> = { items: T[]; nextCursor: string | null };

describe.each(['sqlite', 'mongodb'] as const)('policy violations as alerts (%s)', (storeKind) => {
  let dir = '';
  let sshd: TestSshd;
  let ctl: TestController;
  let root: ClientKey;
  let weak: { path: string; publicKey: string; fingerprint: string };
  let connection: Connection;
  let hostId = '';
  let rootKeysFile = '';

  const scan = async () => {
    const res = await ctl.api<{ job: JobRecord }>('POST', '/api/v1/jobs', {
      body: {
        type: 'scan-full',
        params: { connection, sshdConfigPath: sshd.configPath, logFiles: [sshd.logPath] },
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const job = await jobEnded(ctl, res.body.job.id);
    expect(job.state, JSON.stringify(job.error)).toBe('completed');
    return job;
  };
  const policyAlerts = async (policyId: string, state = 'open,dismissed,resolved') =>
    (
      await ctl.api<Page<AlertRecord>>('GET', `/api/v1/alerts?type=policy&state=${state}&limit=500`)
    ).body.items.filter((a) => a.context.policyId === policyId && a.context.hostId === hostId);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'kwt-policy-'));
    root = await generateClientKey(dir, 'root');
    const weakPath = path.join(dir, 'weak');
    await run('ssh-keygen', [
      '-q',
      '-t',
      'rsa',
      '-b',
      '1024',
      '-N',
      '',
      '-C',
      'weak@kwt',
      '-f',
      weakPath,
    ]);
    const fp = (
      await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${weakPath}.pub`])
    ).stdout.split(' ')[1]!;
    weak = {
      path: weakPath,
      publicKey: (await readFile(`${weakPath}.pub`, 'utf8')).trim(),
      fingerprint: fp,
    };
    // The management key is limited to loopback; the weak key opens root from anywhere.
    sshd = await startTestSshd({
      rootAuthorizedKeys: `from="127.0.0.1" ${root.publicKey}\n${weak.publicKey}\n`,
    });
    rootKeysFile = path.join(path.dirname(sshd.configPath), 'root_authorized_keys');
    ctl = await startTestController({
      store: storeKind,
      env: {
        KEYWARDEN_ALLOWED_SSHD_CONFIG_PATHS: JSON.stringify([sshd.configPath]),
        // Nothing here waits for a lease to run out, and FerretDB on a busy 2-core machine
        // has answered a renewal after the helper's 5 s (LEASE_EXPIRED on a healthy scan).
        KEYWARDEN_LEASE: '30s',
      },
    });
    connection = await rootConnection(sshd, root);
    hostId = hostIdOf(connection);
  }, 300_000);

  afterAll(async () => {
    await ctl?.stop();
    await sshd?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('raises one alert naming host, account, key and policy after a scan, and not again on the next scan', async () => {
    const first = await scan();
    expect(first.result).toMatchObject({ policy: { raised: expect.any(Number) } });
    const weakAlerts = await policyAlerts('default-weak-keys');
    expect(weakAlerts).toHaveLength(1);
    const [alert] = weakAlerts;
    expect(alert).toMatchObject({
      type: 'policy',
      severity: 'critical',
      state: 'open',
      dedupeKey: expect.stringMatching(/^policy:default-weak-keys:host:/),
      context: {
        policyId: 'default-weak-keys',
        hostId,
        hostName: hostId,
        account: 'root',
        fingerprint: weak.fingerprint,
      },
    });
    for (const part of ['Weak keys', hostId, 'root', weak.fingerprint, '1024'])
      expect(alert!.message).toContain(part);
    // root by key from anywhere: the weak key only (the management key has from=)
    const fromAnywhere = await policyAlerts('default-root-key-without-from');
    expect(fromAnywhere.map((a) => [a.state, a.context.fingerprint])).toEqual([
      ['open', weak.fingerprint],
    ]);

    await scan();
    const again = await policyAlerts('default-weak-keys');
    expect(again.map((a) => a.id)).toEqual([alert!.id]);
  }, 300_000);

  it('keeps a dismissed alert dismissed while its cause persists, and resolves alerts whose cause is gone after the fix and a rescan', async () => {
    // the sshd allows passwords: dismissed with a reason, it must stay so
    const [password] = await policyAlerts('default-password-authentication', 'open');
    expect(password?.message).toContain('PasswordAuthentication yes');
    const dismissed = await ctl.api<AlertRecord>('POST', `/api/v1/alerts/${password!.id}/dismiss`, {
      body: { reason: 'test host, passwords needed' },
    });
    expect(dismissed.body).toMatchObject({
      state: 'dismissed',
      stateReason: 'test host, passwords needed',
    });

    await writeFile(rootKeysFile, `from="127.0.0.1" ${root.publicKey}\n`, { mode: 0o600 });
    const job = await scan();
    expect(job.result).toMatchObject({ policy: { resolved: expect.any(Number) } });

    const [weakAlert] = await policyAlerts('default-weak-keys');
    expect(weakAlert).toMatchObject({
      state: 'resolved',
      stateReason: `cause gone after scan of ${hostId}`,
      stateBy: 'policy',
    });
    expect((await policyAlerts('default-root-key-without-from')).map((a) => a.state)).toEqual([
      'resolved',
    ]);
    expect(
      (await policyAlerts('default-password-authentication')).map((a) => [a.id, a.state]),
    ).toEqual([[password!.id, 'dismissed']]);
  }, 300_000);

  it('dry-runs a proposed policy and an edit without saving, then an edit re-evaluates the fleet', async () => {
    const proposed = {
      name: 'Strong RSA only',
      severity: 'warning',
      scope: { accounts: ['root'] },
      rule: { kind: 'weak-key', rsaMinBits: 4096, deprecatedTypes: [] },
    };
    // nothing is weaker than 4096 bits here: ed25519 only now; RSA 3072 would be
    await writeFile(rootKeysFile, `from="127.0.0.1" ${root.publicKey}\n${weak.publicKey}\n`, {
      mode: 0o600,
    });
    await scan();
    const dry = await ctl.api<{
      wouldRaise: {
        count: number;
        items: Array<{ message: string; context: { fingerprint?: string } }>;
      };
      wouldResolve: { count: number };
      policy: { id: string };
    }>('POST', '/api/v1/policies/dry-run', { body: { policy: proposed } });
    expect(dry.status, JSON.stringify(dry.body)).toBe(200);
    expect(dry.body.wouldRaise.count).toBe(1);
    expect(dry.body.wouldRaise.items[0]).toMatchObject({
      context: { fingerprint: weak.fingerprint },
    });
    expect(dry.body.wouldRaise.items[0]?.message).toContain('Strong RSA only');
    expect(dry.body.wouldResolve.count).toBe(0);
    const listed = (await ctl.api<{ items: Array<{ id: string }> }>('GET', '/api/v1/policies')).body
      .items;
    expect(listed.map((p) => p.id)).not.toContain(dry.body.policy.id);

    // an edit that takes root out of the weak-keys scope would resolve its alert
    const [open] = await policyAlerts('default-weak-keys', 'open');
    expect(open).toBeDefined();
    const edit = await ctl.api<{
      wouldResolve: { count: number; items: Array<{ alertId: string }> };
    }>('POST', '/api/v1/policies/dry-run', {
      body: { id: 'default-weak-keys', policy: { scope: { accounts: ['nobody-*'] } } },
    });
    expect(edit.body.wouldResolve.items.map((i) => i.alertId)).toEqual([open!.id]);
    expect(
      (await ctl.api<{ version: number }>('GET', '/api/v1/policies/default-weak-keys')).body
        .version,
    ).toBe(1);
    expect((await policyAlerts('default-weak-keys', 'open')).map((a) => a.id)).toEqual([open!.id]);

    // the edit itself: a new version, the old one kept, and the alert resolved by the job
    const saved = await ctl.api<{ policy: { version: number }; jobId: string }>(
      'PATCH',
      '/api/v1/policies/default-weak-keys',
      { body: { version: 1, scope: { accounts: ['nobody-*'] } } },
    );
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    expect(saved.body.policy.version).toBe(2);
    expect((await jobEnded(ctl, saved.body.jobId)).state).toBe('completed');
    expect(
      (await ctl.api<AlertRecord>('GET', `/api/v1/alerts?type=policy&state=resolved&limit=500`))
        .status,
    ).toBe(200);
    const after = (await policyAlerts('default-weak-keys')).find((a) => a.id === open!.id);
    expect(after).toMatchObject({
      state: 'resolved',
      stateReason: expect.stringContaining('version 2'),
    });
    const versions = await ctl.api<{ items: Array<{ version: number; scope: unknown }> }>(
      'GET',
      '/api/v1/policies/default-weak-keys/versions',
    );
    expect(versions.body.items.map((v) => [v.version, v.scope])).toEqual([
      [1, {}],
      [2, { accounts: ['nobody-*'] }],
    ]);
    // an edit from the old version is refused
    const stale = await ctl.api<{ error: { code: string } }>(
      'PATCH',
      '/api/v1/policies/default-weak-keys',
      {
        body: { version: 1, severity: 'info' },
      },
    );
    expect(stale.status).toBe(409);
  }, 400_000);

  it("gives the alerts a policy keeps open its new severity when the policy's severity is edited", async () => {
    const before = await policyAlerts('default-root-key-without-from');
    const active = before.filter((a) => a.state !== 'resolved');
    expect(active.map((a) => a.context.fingerprint)).toEqual([weak.fingerprint]);
    expect(active[0]?.severity).not.toBe('info');
    const { version } = (
      await ctl.api<{ version: number }>('GET', '/api/v1/policies/default-root-key-without-from')
    ).body;
    const saved = await ctl.api<{ jobId: string }>(
      'PATCH',
      '/api/v1/policies/default-root-key-without-from',
      { body: { version, severity: 'info' } },
    );
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    expect((await jobEnded(ctl, saved.body.jobId)).state).toBe('completed');
    const after = (await policyAlerts('default-root-key-without-from')).find(
      (a) => a.id === active[0]!.id,
    );
    expect(after).toMatchObject({ severity: 'info', state: active[0]!.state });
  }, 300_000);

  it('runs the daily evaluation and reads the daily block, and manages policies with the CLI', async () => {
    const daily = await ctl.api<{ job: JobRecord }>('POST', '/api/v1/jobs', {
      body: { type: 'internal-reporting', params: {} },
    });
    const job = await jobEnded(ctl, daily.body.job.id);
    expect(job.state, JSON.stringify(job.error)).toBe('completed');
    const cli = (args: string[]) => keywarden(ctl, [...args, '--json'], ctl.adminToken);
    const report = await cli(['reports', 'daily']);
    expect(report.code, report.stderr).toBe(0);
    const block = JSON.parse(report.stdout) as {
      date: string;
      data: {
        policies: { totals: { byPolicy: Record<string, number> }; groups: Record<string, unknown> };
      };
    };
    expect(block.date).toBe(new Date().toISOString().slice(0, 10));
    // the weak RSA key is authorized again (previous test) and root reaches it from anywhere
    expect(block.data.policies.totals.byPolicy['default-root-key-without-from']).toBe(1);
    expect(block.data.policies.groups['(none)']).toBeDefined();
    expect((await cli(['reports', 'daily', '--date', '2001-01-01'])).code).toBe(4);

    // an operator dismisses the root-from-anywhere alert with a reason
    const [fromAnywhere] = await policyAlerts('default-root-key-without-from', 'open');
    const dismissed = await cli([
      'alerts',
      'dismiss',
      fromAnywhere!.id,
      '--reason',
      'break-glass key',
    ]);
    expect(dismissed.code, dismissed.stderr).toBe(0);
    expect(JSON.parse(dismissed.stdout)).toMatchObject({
      state: 'dismissed',
      stateReason: 'break-glass key',
    });

    const added = await cli([
      'policies',
      'add',
      '--id',
      'cli-unused',
      '--name',
      'Unused for a year',
      '--severity',
      'info',
      '--rule',
      '{"kind":"unused-key","days":365}',
      '--scope',
      '{"accounts":["root"]}',
    ]);
    expect(added.code, added.stderr).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({ policy: { id: 'cli-unused', version: 1 } });
    const edited = await cli(['policies', 'edit', 'cli-unused', '--severity', 'warning']);
    expect(edited.code, edited.stderr).toBe(0);
    const versions = await cli(['policies', 'show', 'cli-unused', '--versions']);
    expect(
      (JSON.parse(versions.stdout) as { items: Array<{ severity: string }> }).items.map(
        (v) => v.severity,
      ),
    ).toEqual(['info', 'warning']);
    const bad = await cli([
      'policies',
      'edit',
      'cli-unused',
      '--rule',
      '{"kind":"unused-key","days":-1}',
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('rule.days');
    const dry = await cli(['policies', 'dry-run', 'cli-unused', '--remove']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ wouldRaise: { count: 0 } });
    expect((await cli(['policies', 'remove', 'cli-unused'])).code).toBe(0);
    const list = JSON.parse((await cli(['policies', 'list'])).stdout) as {
      items: Array<{ id: string }>;
    };
    expect(list.items.map((p) => p.id)).not.toContain('cli-unused');
    expect(list.items.map((p) => p.id)).toContain('default-weak-keys');
  }, 300_000);

  it('refuses a bad policy with an error naming the field, and saves nothing', async () => {
    const before = (await ctl.api<{ items: unknown[] }>('GET', '/api/v1/policies')).body.items
      .length;
    const cases: Array<[unknown, string]> = [
      [{ name: 'x', severity: 'warning', rule: { kind: 'unused-key', days: 0 } }, 'rule.days'],
      [{ name: 'x', severity: 'warning', rule: { kind: 'no-such-rule' } }, 'rule.kind'],
      [{ name: 'x', severity: 'urgent', rule: { kind: 'unmanaged-key' } }, 'severity'],
      [{ name: 'x', severity: 'info', rule: { kind: 'unmanaged-key', dayz: 3 } }, 'rule.dayz'],
      [
        { name: 'x', severity: 'info', scope: { hosts: ['a'] }, rule: { kind: 'unmanaged-key' } },
        'scope.hosts',
      ],
    ];
    for (const [body, field] of cases) {
      const res = await ctl.api<{
        error: { code: string; message: string; details: { field: string } };
      }>('POST', '/api/v1/policies', { body });
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'INVALID_INPUT', details: { field } });
      expect(res.body.error.message).toContain(field);
    }
    expect(
      (await ctl.api<{ items: unknown[] }>('GET', '/api/v1/policies')).body.items,
    ).toHaveLength(before);
    // the OpenAPI document describes the policy body, one rule schema per kind
    const doc = JSON.stringify((await ctl.api('GET', '/api/v1/openapi.json')).body);
    expect(doc).toContain('/api/v1/policies/dry-run');
    for (const kind of ['weak-key', 'root-key-without-from', 'expiring-authorization'])
      expect(doc).toContain(kind);
  }, 60_000);
});
