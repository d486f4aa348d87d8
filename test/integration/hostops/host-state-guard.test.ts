/**
 * Monitored means read-only: the host router (the one place every host operation of every
 * job passes, agent or agentless) refuses an edit on a host that is not managed, before
 * any driver sees it. Scans run in every state. A real store; the drivers behind the
 * router only record what reached them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markUnreachable } from '../../../controller/host-states/host-state-effects';
import type { HostCall, HostDriver } from '../../../controller/hosts/host-driver';
import { HostDriverRouter } from '../../../controller/hosts/host-router';
import type { HostRecord, NewHost } from '../../../controller/store/host-records';
import type { JobRecord } from '../../../controller/store/records';
import { openSqliteStore } from '../../../controller/store/sqlite/open-sqlite-store';
import type { Store } from '../../../controller/store/store';
import { hostOperationKinds } from '../../../shared/hostops/operation-registry';

const T0 = Date.UTC(2026, 0, 1);
const host = (id: string, over: Partial<NewHost>): NewHost => ({
  id,
  name: `${id}.example`,
  address: '10.0.0.1',
  port: 22,
  kind: 'agentless',
  state: 'managed',
  hostKeyFingerprint: null,
  managementAccount: 'kw',
  agentId: null,
  os: null,
  sshProduct: null,
  lastSeenAt: null,
  ...over,
});

describe('edits need the managed state, checked where every host operation passes', () => {
  let dir = '';
  let store: Store;
  let router: HostDriverRouter;
  const reached: string[] = [];
  /** What each driver was handed: the host record the router read, by driver. */
  const given: Array<{ driver: string; host: HostCall['host'] }> = [];
  const recorder = (name: string, driverOperations?: HostDriver['driverOperations']) =>
    ({
      name,
      driverOperations,
      run: async ({ operation, host }: HostCall) => {
        reached.push(operation);
        given.push({ driver: name, host });
        return { ok: true };
      },
    }) satisfies HostDriver;
  /** The router's reads of host records, by id. */
  const hostReads: string[] = [];
  const jobOn = (hostId: string | null, type = 'some-job') =>
    ({ id: `job-${hostId ?? 'none'}`, type, hostId }) as JobRecord;
  const run = (hostId: string | null, operation: string) =>
    router.run({
      job: jobOn(hostId),
      operation,
      args: {},
      step: 0,
      signal: new AbortController().signal,
    });
  const edits = Object.entries(hostOperationKinds)
    .filter(([, k]) => k === 'edit')
    .map(([op]) => op);
  const reads = Object.entries(hostOperationKinds)
    .filter(([, k]) => k === 'read')
    .map(([op]) => op);

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'kw-guard-'));
    store = openSqliteStore(path.join(dir, 'kw.db'), { synchronous: 'NORMAL' });
    const hosts = new Proxy(store.hosts, {
      get(target, prop) {
        if (prop === 'get')
          return (id: string) => {
            hostReads.push(id);
            return target.get(id);
          };
        const v = Reflect.get(target, prop, target) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    router = new HostDriverRouter(
      { hosts, audit: store.audit, alerts: store.alerts },
      recorder('direct connection'),
    );
    router.use(
      'agentless',
      recorder('agentless', ['renew-management-key', 'verify-management-key']),
    );
    router.use('agent', recorder('agent'));
    await store.hosts.createMany(
      [
        host('monitored', { state: 'monitored' }),
        host('discovered', { state: 'discovered' }),
        host('managed', { state: 'managed' }),
        host('agent-monitored', { state: 'monitored', kind: 'agent', agentId: 'a1' }),
        host('was-managed', { state: 'managed' }),
        host('was-monitored', { state: 'monitored' }),
      ],
      T0,
    );
    // Both lose their connection: one was managed before, the other only monitored.
    for (const id of ['was-managed', 'was-monitored'])
      await markUnreachable(store, (await store.hosts.get(id)) as HostRecord, 'test', T0 + 1);
  });

  afterAll(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('classifies the edits: keys, private keys, configs and relocation', () => {
    expect(edits.sort()).toEqual(
      [
        'add-authorized-key',
        'deploy-sshd-config',
        'deploy-sshd-config-then-scan',
        'generate-private-key',
        'relocate-user-keys',
        'relocate-user-keys-then-scan',
        'remove-authorized-key',
        'remove-private-key',
        'revoke-authorized-key',
        'set-authorized-key-options',
        // The revocation list: a root file and, through conf-deploy, the sshd config.
        'write-revoked-keys',
      ].sort(),
    );
  });

  it('refuses every edit on a monitored or discovered host, agent or agentless, naming the host, its state and the way out', async () => {
    for (const id of ['monitored', 'discovered', 'agent-monitored'])
      for (const op of edits) {
        const err = await run(id, op).then(
          () => null,
          (e: unknown) => e,
        );
        expect(err, `${op} on ${id}`).toMatchObject({
          code: 'HOST_NOT_MANAGED',
          retryable: false,
          httpStatus: 409,
          details: { hostId: id, operation: op },
        });
        expect((err as Error).message).toContain(`${id}.example (${id}) is`);
        expect((err as Error).message).toContain(`keywarden hosts manage ${id}`);
      }
    expect(reached).toEqual([]);
  });

  it('runs scans in every state, and edits on managed hosts', async () => {
    for (const id of ['monitored', 'discovered', 'agent-monitored', 'managed'])
      for (const op of reads) await run(id, op);
    expect(reached).toHaveLength(4 * reads.length);
    reached.length = 0;
    for (const op of edits) await run('managed', op);
    expect(reached).toEqual(edits);
    reached.length = 0;
  });

  it('judges an unreachable host by the state it returns to', async () => {
    expect((await store.hosts.get('was-managed'))?.state).toBe('unreachable');
    await run('was-managed', 'add-authorized-key');
    expect(reached).toEqual(['add-authorized-key']);
    await expect(run('was-monitored', 'add-authorized-key')).rejects.toMatchObject({
      code: 'HOST_NOT_MANAGED',
      message: expect.stringContaining('is unreachable, monitored before'),
    });
    expect(reached).toEqual(['add-authorized-key']);
    reached.length = 0;
  });

  it('leaves jobs that name a connection (no registered host) and management operations alone', async () => {
    await run(null, 'add-authorized-key');
    await run('monitored', 'renew-management-key');
    expect(reached).toEqual(['add-authorized-key', 'renew-management-key']);
    reached.length = 0;
  });

  it('reads the host once per operation and gives that record to the driver of its kind', async () => {
    hostReads.length = 0;
    given.length = 0;
    await run('managed', 'add-authorized-key');
    await run('agent-monitored', 'scan-full');
    await run(null, 'scan-full');
    // One read per call, the guard's included; none for a job without a host.
    expect(hostReads).toEqual(['managed', 'agent-monitored']);
    expect(given.map((g) => [g.driver, g.host?.id ?? null])).toEqual([
      ['agentless', 'managed'],
      ['agent', 'agent-monitored'],
      ['direct connection', null],
    ]);
    expect(given[0]?.host).toMatchObject({ id: 'managed', kind: 'agentless', state: 'managed' });
    reached.length = 0;
  });

  it('refuses a driver operation on a host whose driver does not implement it, naming its kind', async () => {
    const err = await run('agent-monitored', 'verify-management-key').then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({
      code: 'INVALID_INPUT',
      details: { value: 'verify-management-key', hostKind: 'agent', driver: 'agent' },
    });
    expect((err as Error).message).toContain(
      'agent-monitored.example (agent-monitored) is an agent host',
    );
    await expect(run(null, 'install-management-key')).rejects.toThrow(
      /which the direct connection driver does not implement: the job names its own connection/,
    );
    expect(reached).toEqual([]);
  });

  it('refuses an operation no table names before any driver sees it', async () => {
    await expect(run('managed', 'agentless.renew-management-key')).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: 'unknown host operation "agentless.renew-management-key"',
    });
    expect(reached).toEqual([]);
  });
});
