/**
 * Monitored means read-only: the host-executor router (the one place every host operation
 * of every job passes, agent or agentless) refuses an edit on a host that is not managed,
 * before any executor sees it. Scans run in every state. A real store; the executor behind
 * the router only records what reached it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markUnreachable } from '../../../controller/host-states/host-state-effects';
import { HostExecutorRouter, type HostExecutor } from '../../../controller/hosts/host-executor';
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
  let router: HostExecutorRouter;
  const reached: string[] = [];
  const recorder: HostExecutor = {
    run: async (_job, operation) => {
      reached.push(operation);
      return { ok: true };
    },
  };
  const jobOn = (hostId: string | null, type = 'some-job') =>
    ({ id: `job-${hostId ?? 'none'}`, type, hostId }) as JobRecord;
  const run = (hostId: string | null, operation: string) =>
    router.run(jobOn(hostId), operation, {}, new AbortController().signal);
  const edits = Object.entries(hostOperationKinds)
    .filter(([, k]) => k === 'edit')
    .map(([op]) => op);
  const reads = Object.entries(hostOperationKinds)
    .filter(([, k]) => k === 'read')
    .map(([op]) => op);

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'kw-guard-'));
    store = openSqliteStore(path.join(dir, 'kw.db'), { synchronous: 'NORMAL' });
    router = new HostExecutorRouter(recorder, store);
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
    await run('monitored', 'agentless.renew-management-key');
    expect(reached).toEqual(['add-authorized-key', 'agentless.renew-management-key']);
  });
});
