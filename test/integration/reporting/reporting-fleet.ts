/**
 * A small fleet written into a real controller's store the way scans write it (inventory
 * sync, key usage), for the reporting tests: three hosts (two in group "web"), accounts,
 * authorized keys of several types and sizes, and logins from two source
 * addresses.
 */
import { expect, vi } from 'vitest';
import {
  inventoryItemKey,
  type NewInventoryItem,
} from '../../../controller/store/inventory-records';
import type { NewHost } from '../../../controller/store/host-records';
import type { TestController } from '../../helpers/test-controller';
import { keywarden as runKeywarden } from '../inventory/scanned-host';

export const DAY = 86_400_000;
export const fp = (c: string) => `SHA256:${c.repeat(43)}`;
export const KEYS = { rsa1024: fp('a'), rsa4096: fp('b'), ed: fp('c'), ecdsa: fp('d') };

const host = (id: string, name: string, over: Partial<NewHost> = {}): NewHost => ({
  id,
  name,
  address: '127.0.0.1',
  port: 22,
  // Agent hosts whose agent never connects: no connectivity test or scan changes their state.
  kind: 'agent',
  state: 'managed',
  hostKeyFingerprint: null,
  managementAccount: 'root',
  agentId: null,
  os: null,
  sshProduct: null,
  lastSeenAt: null,
  ...over,
});

const account = (hostId: string, name: string, uid: number): NewInventoryItem<'account'> => ({
  kind: 'account',
  hostId,
  key: inventoryItemKey('account', { account: name }),
  account: name,
  fingerprint: null,
  data: { uid, gid: uid, home: `/home/${name}`, shell: '/bin/sh', gecos: '', groups: [] },
});

const authorized = (
  hostId: string,
  acct: string,
  fingerprint: string,
  type: string,
  bits: number,
  managed = false,
): NewInventoryItem<'authorized-key'> => {
  const file = `/home/${acct}/.ssh/authorized_keys`;
  return {
    kind: 'authorized-key',
    hostId,
    key: inventoryItemKey('authorized-key', { account: acct, file, fingerprint }),
    account: acct,
    fingerprint,
    data: { file, line: 1, options: [], type, bits, comment: `${acct}@${hostId}`, managed },
  };
};

export interface ReportingFleet {
  now: number;
  groupId: string;
  tokens: { admin2: string; operator: string; auditor: string };
  keywarden(args: string[], token?: string): ReturnType<typeof runKeywarden>;
}

/** Fills the store; `now` is when the inventory was "scanned". */
export async function fillReportingFleet(ctl: TestController): Promise<ReportingFleet> {
  const store = ctl.services.store;
  const now = Date.now();
  const group = await store.hostGroups.create(
    { id: 'web', name: 'web', description: '', scanIntervalsMs: {} },
    now,
  );
  await store.hosts.createMany(
    [
      host('h-web1', 'web1.example.com', { groupId: group.id }),
      host('h-web2', 'web2.example.com', { groupId: group.id, state: 'host-key-mismatch' }),
      host('h-db1', 'db1.example.com', { state: 'monitored' }),
    ],
    now,
  );
  const old = now - 400 * DAY;
  await store.inventory.items.sync(
    'account',
    'h-web1',
    [account('h-web1', 'root', 0), account('h-web1', 'www', 33)],
    old,
  );
  await store.inventory.items.sync(
    'account',
    'h-db1',
    [
      account('h-db1', 'root', 0),
      account('h-db1', 'postgres', 70),
      account('h-db1', 'pgadmin', 71),
    ],
    now,
  );
  // One key first seen 400 days ago, the others today.
  await store.inventory.items.sync(
    'authorized-key',
    'h-web1',
    [authorized('h-web1', 'root', KEYS.rsa1024, 'ssh-rsa', 1024)],
    old,
  );
  await store.inventory.items.sync(
    'authorized-key',
    'h-web2',
    [
      authorized('h-web2', 'root', KEYS.rsa4096, 'ssh-rsa', 4096, true),
      authorized('h-web2', 'www', KEYS.ed, 'ssh-ed25519', 256, true),
    ],
    now,
  );
  await store.inventory.items.sync(
    'authorized-key',
    'h-db1',
    [
      authorized('h-db1', 'postgres', KEYS.ed, 'ssh-ed25519', 256),
      authorized('h-db1', 'postgres', KEYS.ecdsa, 'ecdsa-sha2-nistp256', 256),
    ],
    now,
  );
  await store.inventory.keyUsage.record('h-web2', [
    { account: 'www', fingerprint: KEYS.ed, from: '192.0.2.10', at: now - DAY },
  ]);
  await store.inventory.keyUsage.record('h-db1', [
    { account: 'postgres', fingerprint: KEYS.ed, from: '192.0.2.20', at: now - 2 * DAY },
    { account: 'postgres', fingerprint: KEYS.ed, from: '192.0.2.10', at: now - 200 * DAY },
  ]);
  const tokens = { admin2: '', operator: '', auditor: '' };
  for (const [name, role] of [
    ['admin2', 'admin'],
    ['operator', 'operator'],
    ['auditor', 'auditor'],
  ] as const) {
    const res = await ctl.api<{ secret: string }>('POST', '/api/v1/tokens', {
      body: { name, role },
    });
    tokens[name] = res.body.secret;
  }
  return {
    now,
    groupId: group.id,
    tokens,
    keywarden: (args, token = ctl.adminToken) => runKeywarden(ctl, args, token),
  };
}

/**
 * Starts a job of an admin-triggerable type and waits for it to end. A robot run that the
 * scheduler started is waited out first, so the run returned saw the state the test set up.
 */
export async function runJobNow(
  ctl: TestController,
  type: string,
  params: Record<string, unknown> = {},
): Promise<{ id: string; state: string; result: unknown; error: unknown }> {
  const store = ctl.services.store;
  const ended = async (id: string) => {
    await vi.waitFor(
      async () => {
        const job = await store.jobs.get(id);
        expect(['completed', 'failed', 'cancelled', 'expired']).toContain(job?.state);
      },
      { timeout: 60_000, interval: 100 },
    );
    return (await store.jobs.get(id))!;
  };
  for (;;) {
    const res = await ctl.api<{ job: { id: string }; created: boolean }>('POST', '/api/v1/jobs', {
      body: { type, params },
    });
    if (res.status !== 200 && res.status !== 201)
      throw new Error(`cannot start ${type}: ${JSON.stringify(res.body)}`);
    const job = await ended(res.body.job.id);
    if (res.body.created) return job;
  }
}
