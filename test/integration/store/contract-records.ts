import { describe, expect, it, vi } from 'vitest';
import type { RobotRecord } from '../../../controller/store/records';
import type { ContractContext } from './store-contract';

const T0 = 1_800_000_000_000;

const robot = (type: string): RobotRecord => ({
  type,
  instances: 1,
  intervalMs: 60_000,
  windowStart: null,
  windowEnd: null,
  enabled: true,
  nextRunAt: T0,
  lastStartedAt: null,
  lastJobId: null,
  updatedAt: T0,
  updatedBy: 'system',
});

export function recordsContract(ctx: ContractContext): void {
  describe('workers, robots, tokens, audit, alerts', () => {
    it('tracks workers and removes the silent ones', async () => {
      const { store } = ctx.get();
      await store.workers.upsert({
        id: 'wa',
        hostname: 'h',
        pid: 1,
        startedAt: T0,
        heartbeatAt: T0,
      });
      await store.workers.upsert({
        id: 'wb',
        hostname: 'h',
        pid: 2,
        startedAt: T0,
        heartbeatAt: T0,
      });
      await store.workers.heartbeat('wb', T0 + 5000);
      expect(await store.workers.removeStale(T0 + 1000)).toEqual(['wa']);
      expect((await store.workers.list()).map((w) => w.id)).toEqual(['wb']);
      await store.workers.remove('wb');
      expect(await store.workers.list()).toEqual([]);
    });

    it('keeps robot settings across ensure, updates them and advances once', async () => {
      const { store } = ctx.get();
      expect(await store.robots.ensure(robot('c-robot'))).toMatchObject({ instances: 1 });
      const updated = await store.robots.update(
        'c-robot',
        { instances: 4, windowStart: '22:00', windowEnd: '02:00' },
        'alice',
        T0 + 1,
      );
      expect(updated).toMatchObject({
        instances: 4,
        windowStart: '22:00',
        windowEnd: '02:00',
        updatedBy: 'alice',
        updatedAt: T0 + 1,
      });
      expect(await store.robots.ensure(robot('c-robot'))).toMatchObject({ instances: 4 });
      expect(await store.robots.update('missing', { instances: 2 }, 'a', T0)).toBeNull();
      const next = { nextRunAt: T0 + 60_000, lastStartedAt: T0, lastJobId: 'j1' };
      expect(await store.robots.advance('c-robot', T0, next)).toBe(true);
      expect(await store.robots.advance('c-robot', T0, next)).toBe(false);
      expect(await store.robots.get('c-robot')).toMatchObject(next);
      expect((await store.robots.list()).some((r) => r.type === 'c-robot')).toBe(true);
    });

    it('finds tokens by secret hash and revokes them', async () => {
      const { store } = ctx.get();
      await store.tokens.create({
        id: 't1',
        name: 'ci',
        role: 'operator',
        secretHash: 'ab'.repeat(32),
        createdAt: T0,
        createdBy: 'root',
        revokedAt: null,
      });
      expect(await store.tokens.findBySecretHash('ab'.repeat(32))).toMatchObject({
        id: 't1',
        role: 'operator',
      });
      expect(await store.tokens.findBySecretHash('cd'.repeat(32))).toBeNull();
      expect(await store.tokens.revoke('t1', T0 + 1)).toMatchObject({ revokedAt: T0 + 1 });
      expect(await store.tokens.count()).toBe(1);
      expect((await store.tokens.list())[0]?.revokedAt).toBe(T0 + 1);
    });

    it('keeps the person a token speaks for (the web terminal opens sessions as them)', async () => {
      const { store } = ctx.get();
      const base = { role: 'auditor' as const, createdAt: T0, createdBy: 'root', revokedAt: null };
      await store.tokens.create({
        ...base,
        id: 't2',
        name: 'alice',
        secretHash: 'ef'.repeat(32),
        personId: 'p-alice',
      });
      await store.tokens.create({ ...base, id: 't3', name: 'ci-2', secretHash: '12'.repeat(32) });
      expect(await store.tokens.get('t2')).toMatchObject({ personId: 'p-alice' });
      expect((await store.tokens.findBySecretHash('ef'.repeat(32)))?.personId).toBe('p-alice');
      expect((await store.tokens.get('t3'))?.personId ?? null).toBeNull();
      expect((await store.tokens.revoke('t2', T0 + 2))?.personId).toBe('p-alice');
    });

    it('appends audit entries and lists them newest first', async () => {
      const { store } = ctx.get();
      await store.audit.append({
        at: T0,
        actor: 'alice',
        action: 'robot.update',
        subject: 'r1',
        details: { instances: 2 },
      });
      await store.audit.append({
        at: T0 + 1,
        actor: 'bob',
        action: 'token.create',
        subject: 't9',
        details: {},
      });
      const all = await store.audit.list({}, { limit: 10 });
      expect(all.items.map((a) => a.actor)).toEqual(['bob', 'alice']);
      const robots = await store.audit.list({ action: 'robot.update' }, { limit: 10 });
      expect(robots.items).toHaveLength(1);
      expect(robots.items[0]).toMatchObject({ subject: 'r1', details: { instances: 2 } });
    });

    it('raises one open alert per dedupe key and purges old closed ones', async () => {
      const { store } = ctx.get();
      const base = {
        type: 'late',
        severity: 'warning' as const,
        subject: 'robot:x',
        message: 'late',
        dedupeKey: 'late:x',
      };
      const a = await store.alerts.raise(base, T0);
      const b = await store.alerts.raise(base, T0 + 1);
      expect(a.created).toBe(true);
      expect(b.created).toBe(false);
      expect(b.alert.id).toBe(a.alert.id);
      expect(await store.alerts.setState(a.alert.id, 'resolved', T0 + 2)).toMatchObject({
        state: 'resolved',
      });
      const c = await store.alerts.raise(base, T0 + 3);
      expect(c.created).toBe(true);
      const open = await store.alerts.list({ state: ['open'] }, { limit: 10 });
      expect(open.items.map((x) => x.id)).toEqual([c.alert.id]);
      expect(
        await store.alerts.purge({ states: ['resolved', 'dismissed'], updatedBefore: T0 + 3 }),
      ).toBe(1);
      expect(await store.alerts.get(a.alert.id)).toBeNull();
    });

    it("keeps an alert's context and state note, and feeds every change in order once", async () => {
      const { store } = ctx.get();
      const start = await store.alerts.events(undefined, 1000);
      const after = start.at(-1)?.cursor;
      const context = {
        policyId: 'p1',
        hostId: 'h1',
        account: 'root',
        fingerprint: 'SHA256:abc',
        extra: { $odd: 'key', 'a.b': 1 },
      };
      const x = await store.alerts.raise(
        {
          type: 'policy',
          severity: 'critical',
          subject: 'h1',
          message: 'm',
          dedupeKey: 'f:1',
          context,
        },
        T0,
      );
      expect(x.alert).toMatchObject({ context, stateReason: null, stateBy: null });
      await store.alerts.raise(
        { type: 'policy', severity: 'critical', subject: 'h1', message: 'm', dedupeKey: 'f:1' },
        T0 + 1,
      );
      const y = await store.alerts.raise(
        { type: 'late', severity: 'info', subject: 'r', message: 'm', dedupeKey: 'f:2' },
        T0 + 2,
      );
      expect(y.alert.context).toEqual({});
      const dismissed = await store.alerts.setState(x.alert.id, 'dismissed', T0 + 3, {
        reason: 'accepted risk',
        by: 'alice',
      });
      expect(dismissed).toMatchObject({ stateReason: 'accepted risk', stateBy: 'alice' });
      // MongoDB serves an event once its id has settled (about a second): wait for all
      // three of this test's (the previous test's may settle in the same window)
      const mine = async (from: string | undefined) =>
        (await store.alerts.events(from, 1000)).filter((e) =>
          [x.alert.id, y.alert.id].includes(e.alert.id),
        );
      let feed = await mine(after);
      await vi.waitFor(
        async () => {
          feed = await mine(after);
          expect(feed).toHaveLength(3);
        },
        { timeout: 10_000, interval: 100 },
      );
      expect(feed.map((e) => [e.kind, e.alert.id, e.at])).toEqual([
        ['raised', x.alert.id, T0],
        ['raised', y.alert.id, T0 + 2],
        ['dismissed', x.alert.id, T0 + 3],
      ]);
      expect(feed[0]?.alert.context).toEqual(context);
      expect((await mine(feed[1]?.cursor)).map((e) => e.kind)).toEqual(['dismissed']);
      expect(await mine(feed[2]?.cursor)).toEqual([]);
    });

    it('finds the latest alert of a dedupe key and the open or dismissed ones of a key range, and raises and resolves many in one write', async () => {
      const { store } = ctx.get();
      const base = { type: 'policy', severity: 'warning' as const, subject: 's', message: 'm' };
      expect(await store.alerts.latestByDedupeKey('policy:rng:none')).toBeNull();
      const { created } = await store.alerts.applyMany(
        {
          raise: [
            { ...base, dedupeKey: 'policy:rng:host:a|1' },
            { ...base, dedupeKey: 'policy:rng:host:a|2' },
            { ...base, dedupeKey: 'policy:rng:host:b|1', context: { hostId: 'b' } },
            { ...base, dedupeKey: 'policy:rng:host:a|1' },
          ],
          setState: [],
        },
        T0 + 10,
      );
      expect(created).toEqual([true, true, true, false]);
      const a1 = await store.alerts.latestByDedupeKey('policy:rng:host:a|1');
      const a2 = await store.alerts.latestByDedupeKey('policy:rng:host:a|2');
      expect(a1).toMatchObject({ state: 'open', dedupeKey: 'policy:rng:host:a|1' });
      // a dismissed one stays "active": it is what keeps the same cause from being raised again
      await store.alerts.applyMany(
        {
          raise: [],
          setState: [
            { id: a1!.id, state: 'dismissed', note: { reason: 'accepted', by: 'alice' } },
            { id: a2!.id, state: 'resolved', note: { reason: 'cause gone', by: 'policy' } },
          ],
        },
        T0 + 11,
      );
      const inA = await store.alerts.listActiveInRange({
        from: 'policy:rng:host:a|',
        to: 'policy:rng:host:a|\uffff',
      });
      expect(inA.map((x) => [x.dedupeKey, x.state, x.stateReason])).toEqual([
        ['policy:rng:host:a|1', 'dismissed', 'accepted'],
      ]);
      const all = await store.alerts.listActiveInRange({ from: 'policy:rng:', to: 'policy:rng;' });
      expect(all.map((x) => x.dedupeKey)).toEqual(['policy:rng:host:a|1', 'policy:rng:host:b|1']);
      expect(all[1]?.context).toEqual({ hostId: 'b' });
      expect(
        await store.alerts.listActiveKeysInRange({ from: 'policy:rng:', to: 'policy:rng;' }, 1),
      ).toEqual([
        { id: a1!.id, dedupeKey: 'policy:rng:host:a|1', state: 'dismissed', updatedAt: T0 + 11 },
      ]);
      // the events of a bulk raise are in the feed like any other
      await vi.waitFor(
        async () => {
          const feed = await store.alerts.events(undefined, 10_000);
          expect(feed.filter((e) => e.alert.id === a1!.id).map((e) => e.kind)).toEqual([
            'raised',
            'dismissed',
          ]);
        },
        { timeout: 10_000, interval: 100 },
      );
      // a new alert for a resolved key is the latest one
      await store.alerts.raise({ ...base, dedupeKey: 'policy:rng:host:a|2' }, T0 + 12);
      const again = await store.alerts.latestByDedupeKey('policy:rng:host:a|2');
      expect(again).toMatchObject({ state: 'open', createdAt: T0 + 12 });
      expect(again?.id).not.toBe(a2!.id);
    });

    it("gives a range's open and dismissed alerts a new severity, and no others", async () => {
      const { store } = ctx.get();
      const base = { type: 'policy', severity: 'warning' as const, subject: 's', message: 'm' };
      const open = await store.alerts.raise({ ...base, dedupeKey: 'policy:sev:host:a|1' }, T0);
      const dismissed = await store.alerts.raise({ ...base, dedupeKey: 'policy:sev:host:b|1' }, T0);
      const resolved = await store.alerts.raise({ ...base, dedupeKey: 'policy:sev:host:c|1' }, T0);
      const other = await store.alerts.raise({ ...base, dedupeKey: 'policy:sew:host:a|1' }, T0);
      await store.alerts.setState(dismissed.alert.id, 'dismissed', T0 + 1);
      await store.alerts.setState(resolved.alert.id, 'resolved', T0 + 1);
      const range = { from: 'policy:sev:', to: 'policy:sev:\uffff' };
      expect(await store.alerts.setSeverityInRange(range, 'critical', T0 + 2)).toBe(2);
      expect(await store.alerts.setSeverityInRange(range, 'critical', T0 + 3)).toBe(0);
      const sev = async (id: string) => (await store.alerts.get(id))?.severity;
      expect(await sev(open.alert.id)).toBe('critical');
      expect(await sev(dismissed.alert.id)).toBe('critical');
      expect(await sev(resolved.alert.id)).toBe('warning');
      expect(await sev(other.alert.id)).toBe('warning');
      expect((await store.alerts.get(open.alert.id))?.updatedAt).toBe(T0 + 2);
    });
  });
}
