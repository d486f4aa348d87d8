/**
 * Policy evaluation against a real store (SQLite and the MongoDB wire server), the inventory
 * written as scans write it: one host's evaluation after its scan, the fleet's daily one,
 * and what each does to alerts over time (raised once, dismissed stays, resolved when the
 * cause goes, raised anew when it comes back; a copy of a shared private key vanishing on
 * one host resolves the other holders' alerts; a host leaving the inventory).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateFleet } from '../../../controller/policy/evaluate-fleet';
import { evaluateHostPolicies } from '../../../controller/policy/evaluate-host';
import { storeSink } from '../../../controller/policy/plan-changes';
import {
  inventoryItemKey,
  type NewInventoryItem,
} from '../../../controller/store/inventory-records';
import type { PolicyInput } from '../../../controller/store/policy-records';
import { openSqliteStore } from '../../../controller/store/sqlite/open-sqlite-store';
import { openMongoStore } from '../../../controller/store/mongodb/open-mongo-store';
import type { Store } from '../../../controller/store/store';
import { startFerretDb, type TestMongo } from '../../helpers/ferretdb';

const T0 = 1_800_000_000_000;
const FP = (n: number) => `SHA256:key${n}`;

const keyLine = (hostId: string, account: string, fp: string, bits = 256, type = 'ssh-ed25519') => {
  const file = `/home/${account}/.ssh/authorized_keys`;
  return {
    kind: 'authorized-key' as const,
    hostId,
    key: inventoryItemKey('authorized-key', { account, file, fingerprint: fp }),
    account,
    fingerprint: fp,
    data: { file, line: 1, options: [], type, bits, comment: '', managed: false },
  };
};
const privateKey = (hostId: string, fp: string): NewInventoryItem<'private-key'> => ({
  kind: 'private-key',
  hostId,
  key: inventoryItemKey('private-key', { path: '/home/app/.ssh/id_ed25519' }),
  account: 'app',
  fingerprint: fp,
  data: {
    path: '/home/app/.ssh/id_ed25519',
    format: 'openssh',
    encrypted: false,
    type: 'ssh-ed25519',
    bits: 256,
    mode: 0o600,
    uid: 1000,
  },
});

const weak: PolicyInput = {
  name: 'Weak RSA',
  description: '',
  enabled: true,
  severity: 'critical',
  scope: { accounts: ['ops*'] },
  rule: { kind: 'weak-key', rsaMinBits: 2048, deprecatedTypes: ['ssh-dss'] },
};
const shared: PolicyInput = {
  name: 'Shared private key',
  description: '',
  enabled: true,
  severity: 'warning',
  scope: {},
  rule: { kind: 'shared-private-key', maxHosts: 1 },
};

describe.each(['sqlite', 'mongodb'] as const)('policy evaluation (%s)', (kind) => {
  let store: Store;
  let ferret: TestMongo | null = null;
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-policy-eval-'));
  const alertsOf = async (policyId: string) =>
    (await store.alerts.list({ type: 'policy' }, { limit: 1000 })).items
      .filter((a) => a.context.policyId === policyId)
      .sort(
        (a, b) =>
          a.createdAt - b.createdAt ||
          (a.context.hostId ?? '').localeCompare(b.context.hostId ?? ''),
      );
  const scanHost = async (hostId: string, items: ReturnType<typeof keyLine>[], now: number) => {
    await store.inventory.items.sync('authorized-key', hostId, items, now);
    return evaluateHostPolicies(store, hostId, {
      now,
      reason: `cause gone after scan of ${hostId}`,
    });
  };

  beforeAll(async () => {
    if (kind === 'mongodb') {
      ferret = await startFerretDb();
      store = await openMongoStore(ferret.url, { dbName: `policy_eval_${Date.now()}` });
    } else store = openSqliteStore(path.join(dir, 'k.db'));
    await store.policies.create('weak', weak, 'test', T0);
    await store.policies.create('shared', shared, 'test', T0);
  }, 120_000);
  afterAll(async () => {
    await store?.close();
    await ferret?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('raises once, keeps a dismissed alert dismissed while the cause persists, resolves it when the cause goes and raises anew when it comes back', async () => {
    const bad = keyLine('h1', 'ops', FP(1), 1024, 'ssh-rsa');
    const fine = keyLine('h1', 'ops', FP(2));
    const outOfScope = keyLine('h1', 'web', FP(3), 1024, 'ssh-rsa');
    expect(await scanHost('h1', [bad, fine, outOfScope], T0 + 1)).toMatchObject({ raised: 1 });
    expect(await scanHost('h1', [bad, fine, outOfScope], T0 + 2)).toMatchObject({ raised: 0 });
    const [first, ...none] = await alertsOf('weak');
    expect(none).toEqual([]);
    expect(first).toMatchObject({
      state: 'open',
      severity: 'critical',
      context: { hostId: 'h1', account: 'ops', fingerprint: FP(1), policyId: 'weak' },
    });
    expect(first!.message).toBe(
      'Weak RSA: key SHA256:key1 RSA of 1024 bits (under 2048) is authorized for ops (/home/ops/.ssh/authorized_keys line 1) on host h1',
    );

    await store.alerts.setState(first!.id, 'dismissed', T0 + 3, {
      reason: 'legacy box',
      by: 'alice',
    });
    await scanHost('h1', [bad, outOfScope], T0 + 4);
    expect((await alertsOf('weak')).map((a) => [a.id, a.state])).toEqual([
      [first!.id, 'dismissed'],
    ]);

    await scanHost('h1', [fine, outOfScope], T0 + 5);
    expect(await alertsOf('weak')).toEqual([
      expect.objectContaining({
        id: first!.id,
        state: 'resolved',
        stateReason: 'cause gone after scan of h1',
      }),
    ]);

    await scanHost('h1', [bad, fine], T0 + 6);
    const after = await alertsOf('weak');
    expect(after.map((a) => a.state)).toEqual(['resolved', 'open']);
    expect(after[1]!.id).not.toBe(first!.id);
  });

  it('scopes a policy to an application: its hosts, and of a host that belongs through an account only that account', async () => {
    await store.applications.create(
      { id: 'payments', name: 'payments', description: '', rules: [{ hostPattern: 'pay-*' }] },
      T0,
    );
    await store.applications.setMembers(
      'payments',
      [
        { hostId: 'pay-1', account: null },
        { hostId: 'pay-2', account: 'dba' },
      ],
      T0,
    );
    await store.policies.create(
      'weak-payments',
      { ...weak, name: 'Weak RSA in payments', scope: { applicationIds: ['payments'] } },
      'test',
      T0,
    );
    const lines = (hostId: string) => [
      // dba and web: accounts the other policies here do not look at
      keyLine(hostId, 'dba', FP(40), 1024, 'ssh-rsa'),
      keyLine(hostId, 'web', FP(41), 1024, 'ssh-rsa'),
    ];
    for (const h of ['pay-1', 'pay-2', 'other-1']) await scanHost(h, lines(h), T0 + 10);
    expect(
      (await alertsOf('weak-payments')).map((a) => [a.context.hostId, a.context.account]).sort(),
    ).toEqual([
      ['pay-1', 'dba'],
      ['pay-1', 'web'],
      ['pay-2', 'dba'],
    ]);
    await store.policies.remove('weak-payments', 'test', T0 + 11);
  });

  it('counts a private key across hosts, and resolves the other holders when a copy goes', async () => {
    const now = T0 + 10;
    for (const h of ['p1', 'p2'])
      await store.inventory.items.sync('private-key', h, [privateKey(h, FP(9))], now);
    await evaluateHostPolicies(store, 'p2', { now, reason: 'scan of p2' });
    expect((await alertsOf('shared')).map((a) => [a.context.hostId, a.state])).toEqual([
      ['p1', 'open'],
      ['p2', 'open'],
    ]);
    await store.inventory.items.sync('private-key', 'p2', [], now + 1);
    await evaluateHostPolicies(store, 'p2', {
      now: now + 1,
      reason: 'cause gone after scan of p2',
    });
    expect((await alertsOf('shared')).map((a) => [a.context.hostId, a.state])).toEqual([
      ['p1', 'resolved'],
      ['p2', 'resolved'],
    ]);
  });

  it('raises an alert for an authorization about to expire, and resolves it once it is removed', async () => {
    await store.policies.create(
      'expiring',
      {
        name: 'Expiring',
        description: '',
        enabled: true,
        severity: 'warning',
        scope: {},
        rule: { kind: 'expiring-authorization', days: 7 },
      },
      'test',
      T0,
    );
    const now = T0 + 30;
    const base = {
      fingerprint: FP(7),
      publicKey: 'ssh-ed25519 AAAA',
      source: { kind: 'public-key' as const },
      account: 'deploy',
      options: [],
      onDrift: 'restore' as const,
      state: 'active' as const,
      createdBy: 'test',
      createdAt: now,
      removedBy: null,
      removedAt: null,
      updatedAt: now,
    };
    await store.authorizations.create({
      ...base,
      id: 'soon',
      target: { groupId: 'g1' },
      expiresAt: now + 2 * 86_400_000,
    });
    await store.authorizations.create({
      ...base,
      id: 'later',
      target: { hostId: 'h9' },
      expiresAt: now + 30 * 86_400_000,
    });
    const sink = storeSink(store.alerts, now);
    await evaluateFleet(store, { now, sink, reason: 'cause gone (daily evaluation)' });
    const [alert, ...none] = await alertsOf('expiring');
    expect(none).toEqual([]);
    expect(alert).toMatchObject({
      state: 'open',
      dedupeKey: 'policy:expiring:authorization:soon',
      context: { authorizationId: 'soon', groupId: 'g1', account: 'deploy', fingerprint: FP(7) },
    });
    expect(alert!.message).toContain('expires in 2 day(s)');
    await store.authorizations.transition(
      'soon',
      ['active'],
      { state: 'removed', by: 'test' },
      now + 1,
    );
    await evaluateFleet(store, {
      now: now + 1,
      sink: storeSink(store.alerts, now + 1),
      reason: 'cause gone (daily evaluation)',
    });
    expect((await alertsOf('expiring')).map((a) => a.state)).toEqual(['resolved']);
    await store.policies.remove('expiring', 'test', now + 2);
  });

  it('evaluates the fleet: raises what scans missed, resolves alerts of a host that left the inventory, and tallies findings per group', async () => {
    await store.inventory.items.sync(
      'authorized-key',
      'h2',
      [keyLine('h2', 'ops2', FP(5), 1024, 'ssh-rsa')],
      T0 + 20,
    );
    const sink = storeSink(store.alerts, T0 + 21);
    const r = await evaluateFleet(store, {
      now: T0 + 21,
      sink,
      reason: 'cause gone (daily evaluation)',
    });
    expect(sink.raised).toBe(1);
    expect(r.groups['(none)']?.byPolicy).toEqual({ weak: 2 });
    expect(r.groups['(none)']?.bySeverity).toEqual({ critical: 2 });
    const open = (await alertsOf('weak')).filter((a) => a.state === 'open');
    expect(open.map((a) => a.context.hostId)).toEqual(['h1', 'h2']);

    await store.inventory.items.sync('authorized-key', 'h1', [], T0 + 22);
    const again = storeSink(store.alerts, T0 + 23);
    await evaluateFleet(store, {
      now: T0 + 23,
      sink: again,
      reason: 'cause gone (daily evaluation)',
    });
    expect([again.raised, again.resolved]).toEqual([0, 1]);
    expect(
      (await alertsOf('weak')).filter((a) => a.state === 'open').map((a) => a.context.hostId),
    ).toEqual(['h2']);

    // a walk that began before a scan raised an alert does not resolve it from its older view
    await scanHost('h3', [keyLine('h3', 'ops', FP(6), 1024, 'ssh-rsa')], T0 + 50);
    await store.inventory.items.sync('authorized-key', 'h3', [], T0 + 51);
    const older = storeSink(store.alerts, T0 + 40);
    await evaluateFleet(store, {
      now: T0 + 40,
      sink: older,
      reason: 'cause gone (daily evaluation)',
    });
    expect(older.resolved).toBe(0);
    const newer = storeSink(store.alerts, T0 + 60);
    await evaluateFleet(store, {
      now: T0 + 60,
      sink: newer,
      reason: 'cause gone (daily evaluation)',
    });
    expect(newer.resolved).toBe(1);
  });
});
