import { describe, expect, it } from 'vitest';
import type { SessionRecord } from '../../../controller/store/session-records';
import type { ContractContext } from './store-contract';

const T0 = 1_800_000_000_000;

const session = (id: string, over: Partial<SessionRecord> = {}): SessionRecord => ({
  id,
  personId: 'alice',
  personUid: 'alice',
  personFingerprint: 'SHA256:alice',
  hostId: 'h1',
  target: 'deploy@web1',
  account: 'deploy',
  fromAddress: '10.0.0.9',
  controllerId: 'ctl-1',
  kind: 'shell',
  command: null,
  state: 'connecting',
  reason: null,
  authorizationId: null,
  ephemeralFingerprint: null,
  startedAt: T0,
  connectedAt: null,
  endedAt: null,
  lastSeenAt: T0,
  bytesOut: 0,
  bytesIn: 0,
  recordingPath: null,
  inputPath: null,
  recordingTruncated: false,
  terminateRequestedAt: null,
  terminateRequestedBy: null,
  exitCode: null,
  ...over,
});

export function sessionsContract(ctx: ContractContext): void {
  describe('gateway sessions and their events', () => {
    it('creates a session once and reads it back whole', async () => {
      const { store } = ctx.get();
      const s = session('s-0001');
      await store.sessions.create(s);
      expect(await store.sessions.get('s-0001')).toEqual(s);
      await expect(store.sessions.create(s)).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(await store.sessions.get('s-none')).toBeNull();
    });

    it('moves a session on only from the states given: one of two enders wins', async () => {
      const { store } = ctx.get();
      await store.sessions.create(session('s-0002'));
      const live = await store.sessions.update('s-0002', ['connecting'], {
        state: 'live',
        connectedAt: T0 + 100,
      });
      expect(live).toMatchObject({ state: 'live', connectedAt: T0 + 100 });
      expect(await store.sessions.update('s-0002', ['connecting'], { state: 'failed' })).toBeNull();
      const ended = await store.sessions.update('s-0002', ['connecting', 'live'], {
        state: 'ended',
        endedAt: T0 + 500,
        exitCode: 0,
      });
      expect(ended).toMatchObject({ state: 'ended', endedAt: T0 + 500, exitCode: 0 });
      expect(
        await store.sessions.update('s-0002', ['connecting', 'live'], {
          state: 'abandoned',
          reason: 'late finalizer',
        }),
      ).toBeNull();
      expect(await store.sessions.get('s-0002')).toMatchObject({ state: 'ended', reason: null });
    });

    it('heartbeats open sessions only, and lists stale open sessions for the finalizer', async () => {
      const { store } = ctx.get();
      await store.sessions.create(session('s-0003', { state: 'live', lastSeenAt: T0 }));
      await store.sessions.create(session('s-0004', { state: 'live', lastSeenAt: T0 }));
      await store.sessions.heartbeat([{ id: 's-0003', bytesOut: 1234, bytesIn: 56 }], T0 + 60_000);
      // An ended session is not revived by a late heartbeat.
      await store.sessions.heartbeat([{ id: 's-0002', bytesOut: 9, bytesIn: 9 }], T0 + 60_000);
      expect(await store.sessions.get('s-0003')).toMatchObject({
        lastSeenAt: T0 + 60_000,
        bytesOut: 1234,
        bytesIn: 56,
      });
      expect(await store.sessions.get('s-0002')).toMatchObject({ lastSeenAt: T0, bytesOut: 0 });
      const stale = await store.sessions.list(
        { state: ['connecting', 'live'], lastSeenBefore: T0 + 30_000 },
        { limit: 10 },
      );
      expect(stale.items.map((s) => s.id)).toEqual(['s-0004', 's-0001']);
    });

    it('lists newest first, by person, host, time and terminate requests, in pages', async () => {
      const { store } = ctx.get();
      await store.sessions.create(
        session('s-0005', { personId: 'bob', hostId: 'h2', startedAt: T0 + 10_000 }),
      );
      const all = await store.sessions.list({}, { limit: 3 });
      expect(all.items.map((s) => s.id)).toEqual(['s-0005', 's-0004', 's-0003']);
      const next = await store.sessions.list({}, { limit: 3, after: all.nextCursor ?? '' });
      expect(next.items.map((s) => s.id)).toEqual(['s-0002', 's-0001']);
      expect(next.nextCursor).toBeNull();
      const bob = await store.sessions.list({ personId: 'bob' }, { limit: 10 });
      expect(bob.items.map((s) => s.id)).toEqual(['s-0005']);
      const h2 = await store.sessions.list({ hostId: 'h2' }, { limit: 10 });
      expect(h2.items.map((s) => s.id)).toEqual(['s-0005']);
      const late = await store.sessions.list(
        { startedSince: T0 + 1, startedUntil: T0 + 20_000 },
        { limit: 10 },
      );
      expect(late.items.map((s) => s.id)).toEqual(['s-0005']);
      await store.sessions.update('s-0004', ['live'], {
        terminateRequestedAt: T0 + 1,
        terminateRequestedBy: 'admin',
      });
      const asked = await store.sessions.list(
        { state: ['live'], terminateRequested: true },
        { limit: 10 },
      );
      expect(asked.items.map((s) => s.id)).toEqual(['s-0004']);
    });

    it('keeps the events of a session in order, details as given', async () => {
      const { store } = ctx.get();
      await store.sessions.addEvent({
        id: 'e-0001',
        sessionId: 's-0003',
        at: T0 + 1,
        type: 'refused:tcpip-forward',
        details: { bindAddr: '127.0.0.1', 'a.b': { $x: 1 } },
      });
      await store.sessions.addEvent({
        id: 'e-0002',
        sessionId: 's-0003',
        at: T0 + 2,
        type: 'key-removed',
        details: {},
      });
      const events = await store.sessions.listEvents('s-0003');
      expect(events.map((e) => e.type)).toEqual(['refused:tcpip-forward', 'key-removed']);
      expect(events[0]?.details).toEqual({ bindAddr: '127.0.0.1', 'a.b': { $x: 1 } });
      expect(await store.sessions.listEvents('s-0001')).toEqual([]);
    });
  });
}
