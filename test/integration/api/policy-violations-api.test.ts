/**
 * GET /api/v1/policies/:id/violations on each store: a policy's open and dismissed alerts,
 * as its evaluation over the inventory raised them, paged in dedupe-key order, and none of
 * another policy's; a dismissed violation is still listed, a resolved one is not.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewInventoryItem } from '../../../controller/store/inventory-records';
import { startTestController, type TestController } from '../../helpers/test-controller';
import { jobEnded } from '../inventory/scanned-host';

type Page<T> = { items: T[]; nextCursor: string | null };
type AlertBody = {
  id: string;
  state: string;
  dedupeKey: string;
  context: { policyId?: string; account?: string };
};

const fp = (seed: string) =>
  `SHA256:${createHash('sha256').update(seed).digest('base64').replace(/=+$/, '')}`;

const rsaLine = (account: string, bits: number): NewInventoryItem<'authorized-key'> => ({
  kind: 'authorized-key',
  hostId: 'h-viol',
  key: `${account}|/home/${account}/.ssh/authorized_keys|${fp(account)}`,
  account,
  fingerprint: fp(account),
  data: {
    file: `/home/${account}/.ssh/authorized_keys`,
    line: 1,
    options: [],
    type: 'ssh-rsa',
    bits,
    comment: `${account}@test`,
    managed: false,
  },
});

describe.each(['sqlite', 'mongodb'] as const)('policy violations API on %s', (store) => {
  let ctl: TestController;
  const violations = (id: string, query = '') =>
    ctl.api<Page<AlertBody>>('GET', `/api/v1/policies/${id}/violations${query}`);
  const addPolicy = async (id: string, accounts: string[]) => {
    const res = await ctl.api<{ jobId: string }>('POST', '/api/v1/policies', {
      body: {
        id,
        name: `Weak RSA ${id}`,
        severity: 'warning',
        scope: { accounts },
        rule: { kind: 'weak-key', rsaMinBits: 2048, deprecatedTypes: [] },
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect((await jobEnded(ctl, res.body.jobId)).state).toBe('completed');
  };

  beforeAll(async () => {
    ctl = await startTestController({ store });
    const now = Date.now();
    await ctl.services.store.hosts.create(
      {
        id: 'h-viol',
        name: 'viol-host',
        address: '192.0.2.10',
        port: 22,
        kind: 'agentless',
        state: 'discovered',
        hostKeyFingerprint: null,
        managementAccount: null,
        agentId: null,
        os: null,
        sshProduct: null,
        lastSeenAt: null,
      },
      now,
    );
    await ctl.services.store.inventory.items.sync(
      'authorized-key',
      'h-viol',
      [rsaLine('weak1', 1024), rsaLine('weak2', 1024), rsaLine('weak3', 1024), rsaLine('ok', 4096)],
      now,
    );
    await addPolicy('weak-all', ['*']);
    await addPolicy('weak-one', ['weak1']);
  }, 120_000);
  afterAll(async () => {
    await ctl?.stop();
  });

  it("lists the policy's violations and none of another policy's, paged", async () => {
    const all = await violations('weak-all');
    expect(all.status).toBe(200);
    expect(all.body.items.map((a) => a.context.account).sort()).toEqual([
      'weak1',
      'weak2',
      'weak3',
    ]);
    expect(all.body.items.every((a) => a.context.policyId === 'weak-all')).toBe(true);
    const one = await violations('weak-one');
    expect(one.body.items.map((a) => a.context.account)).toEqual(['weak1']);

    const first = await violations('weak-all', '?limit=2');
    expect(first.body.items).toHaveLength(2);
    const second = await violations(
      'weak-all',
      `?limit=2&cursor=${encodeURIComponent(first.body.nextCursor ?? '')}`,
    );
    expect(second.body.nextCursor).toBeNull();
    expect([...first.body.items, ...second.body.items].map((a) => a.dedupeKey)).toEqual(
      all.body.items.map((a) => a.dedupeKey),
    );
  });

  it('keeps a dismissed violation, drops a resolved one', async () => {
    const [a, b] = (await violations('weak-all')).body.items;
    await ctl.api('POST', `/api/v1/alerts/${a?.id}/dismiss`, { body: { reason: 'known' } });
    await ctl.api('POST', `/api/v1/alerts/${b?.id}/resolve`, { body: {} });
    const after = (await violations('weak-all')).body.items;
    expect(after.map((x) => [x.id, x.state])).toEqual([
      [a?.id, 'dismissed'],
      ...after.filter((x) => x.id !== a?.id).map((x) => [x.id, 'open']),
    ]);
    expect(after.map((x) => x.id)).not.toContain(b?.id);
  });

  it('answers 404 for an unknown policy', async () => {
    const res = await ctl.api<{ error: { code: string } }>(
      'GET',
      '/api/v1/policies/no-such/violations',
    );
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });
});
