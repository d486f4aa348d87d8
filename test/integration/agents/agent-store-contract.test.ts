/**
 * The agent repositories on both adapters: a token is consumed once even by racing
 * stores, a result is stored once per (job, attempt), and assignments move through
 * their states as the gateway and the executor expect.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMongoStore } from '../../../controller/store/mongodb/open-mongo-store';
import { openSqliteStore } from '../../../controller/store/sqlite/open-sqlite-store';
import type { Store } from '../../../controller/store/store';
import type { AgentSettingsRecord } from '../../../controller/store/agent-records';
import { startFerretDb } from '../../helpers/ferretdb';

const T0 = 1_800_000_000_000;
const settings: AgentSettingsRecord = {
  mode: 'stream',
  connectIntervalMs: 60_000,
  maxConcurrentJobs: 4,
  heartbeatIntervalMs: 10_000,
};

interface Fixture {
  store: Store;
  second: Store;
  cleanup(): Promise<void>;
}

function contract(name: string, open: () => Promise<Fixture>): void {
  describe(`agent store: ${name}`, () => {
    let f: Fixture;
    beforeAll(async () => {
      f = await open();
    });
    afterAll(async () => f.cleanup());

    it('consumes an enrollment token exactly once, even when two stores race', async () => {
      const a = f.store.agentFleet.enrollmentTokens;
      await a.create({
        id: 'tok1',
        tokenHash: 'h1',
        icbId: 'icb1',
        groupId: null,
        settings,
        createdBy: 'admin',
        createdAt: T0,
        expiresAt: T0 + 1000,
        usedAt: null,
        usedByAgent: null,
      });
      const outcomes = await Promise.all([
        a.consume('h1', 'agentA', T0 + 1),
        f.second.agentFleet.enrollmentTokens.consume('h1', 'agentB', T0 + 1),
        a.consume('h1', 'agentC', T0 + 1),
      ]);
      expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
      expect(outcomes.filter((o) => !o.ok).map((o) => !o.ok && o.reason)).toEqual(['used', 'used']);
      expect(await a.consume('nope', 'x', T0)).toEqual({
        ok: false,
        reason: 'unknown',
        token: null,
      });
      await a.create({
        id: 'tok2',
        tokenHash: 'h2',
        icbId: 'icb2',
        groupId: null,
        settings,
        createdBy: 'admin',
        createdAt: T0,
        expiresAt: T0 + 10,
        usedAt: null,
        usedByAgent: null,
      });
      const late = await a.consume('h2', 'x', T0 + 10);
      expect(late.ok ? null : late.reason).toBe('expired');
    });

    it('stores one result per operation of a job attempt and finds earlier successes of the same step', async () => {
      const r = f.store.agentFleet.results;
      const base = {
        jobId: 'j1',
        step: 0,
        hostId: 'h',
        agentId: 'a',
        operation: 'add-authorized-key',
        error: null,
        startedAt: T0,
        finishedAt: T0 + 5,
        receivedAt: T0 + 6,
        receivedBy: 'c1',
      };
      const [one, two] = await Promise.all([
        r.insert({ ...base, attempt: 1, ok: true, output: { n: 1 } }),
        f.second.agentFleet.results.insert({ ...base, attempt: 1, ok: true, output: { n: 2 } }),
      ]);
      expect([one!.created, two!.created].sort()).toEqual([false, true]);
      expect(one!.stored.output).toEqual(two!.stored.output);
      // The attempt's second operation is a result of its own, not a duplicate of the first.
      const scan = { ...base, step: 1, operation: 'scan-authorized-keys' };
      const second = await r.insert({ ...scan, attempt: 1, ok: true, output: { n: 3 } });
      expect(second.created).toBe(true);
      const winner = one!.stored.output; // either racer's: the point is that it is one
      expect(await r.get({ jobId: 'j1', attempt: 1, step: 0 })).toMatchObject({
        operation: 'add-authorized-key',
        output: winner,
      });
      expect(await r.get({ jobId: 'j1', attempt: 1, step: 1 })).toMatchObject({
        operation: 'scan-authorized-keys',
        output: { n: 3 },
      });
      await r.insert({
        ...base,
        attempt: 2,
        ok: false,
        output: null,
        error: { code: 'X', message: 'm', retryable: true },
      });
      expect(await r.findSuccessBefore({ jobId: 'j1', attempt: 3, step: 0 })).toMatchObject({
        attempt: 1,
        step: 0,
        output: winner,
      });
      expect(await r.findSuccessBefore({ jobId: 'j1', attempt: 3, step: 1 })).toMatchObject({
        attempt: 1,
        step: 1,
        output: { n: 3 },
      });
      expect(await r.findSuccessBefore({ jobId: 'j1', attempt: 3, step: 2 })).toBeNull();
      expect(await r.findSuccessBefore({ jobId: 'j1', attempt: 1, step: 0 })).toBeNull();
      expect((await r.get({ jobId: 'j1', attempt: 2, step: 0 }))?.error?.code).toBe('X');
    });

    it('moves assignments pending -> delivered -> lost, and through cancel states', async () => {
      const s = f.store.agentFleet.assignments;
      const a = {
        jobId: 'j2',
        attempt: 1,
        step: 0,
        hostId: 'host1',
        jobType: 't',
        operation: 'list-accounts',
        args: { x: 1 },
        timeoutMs: 1000,
      };
      const k = { jobId: 'j2', attempt: 1, step: 0 };
      expect((await s.put(a, T0)).state).toBe('pending');
      expect((await s.put({ ...a, args: { x: 2 } }, T0 + 1)).args).toEqual({ x: 1 });
      // A second operation of the same attempt is an assignment of its own.
      const next = await s.put({ ...a, step: 1, operation: 'scan-authorized-keys' }, T0 + 1);
      expect(next).toMatchObject({ step: 1, operation: 'scan-authorized-keys', state: 'pending' });
      expect(
        (await s.listActionable(['host1', 'other'], 10)).map((x) => `${x.jobId}/${x.step}`),
      ).toEqual(['j2/0', 'j2/1']);
      expect(await s.markDelivered(k, 'conn1', T0 + 2)).toBe(true);
      expect((await s.listActionable(['host1'], 10)).map((x) => x.step)).toEqual([1]);
      await s.markEnded({ ...k, step: 1 }, T0 + 2);
      expect(await s.markLost('host1', 'conn1', T0 + 3)).toBe(1);
      expect((await s.get(k))?.state).toBe('lost');
      expect((await s.get({ ...k, step: 1 }))?.state).toBe('ended');
      // A given-back attempt run again: its lost assignment is pending (deliverable) again.
      expect(await s.reopenLost(k, T0 + 3)).toBe(true);
      expect(await s.reopenLost(k, T0 + 3)).toBe(false);
      expect((await s.listActionable(['host1'], 10)).map((x) => x.state)).toEqual(['pending']);
      expect(await s.markDelivered(k, 'conn2', T0 + 3)).toBe(true);
      expect(await s.markLost('host1', 'conn2', T0 + 3)).toBe(1);
      expect(await s.requestCancel(k, T0 + 4)).toBe(true);
      expect((await s.listActionable(['host1'], 10))[0]?.state).toBe('cancelling');
      expect(await s.markCancelSent(k, T0 + 5)).toBe(true);
      expect(await s.markCancelAcknowledged(k, T0 + 6)).toBe(true);
      expect((await s.listOpenForHost('host1')).map((x) => x.state)).toEqual([
        'cancel-acknowledged',
      ]);
      await s.put({ ...a, jobId: 'j3' }, T0);
      await s.markEnded({ ...k, jobId: 'j3' }, T0 + 7);
      expect(await s.purgeEnded(T0 + 100)).toBe(3);
    });

    it('binds an agent to one host only and tracks its connection', async () => {
      const g = f.store.agentFleet.agents;
      await g.create(
        {
          id: 'ag1',
          groupId: null,
          enrollmentTokenId: 'tok1',
          settings,
          certificateSerial: '01',
          certificateNotAfter: T0 + 1000,
          version: '1',
          facts: { hostname: 'h1' },
        },
        T0,
      );
      const binds = await Promise.all([
        g.bindHost('ag1', 'hostA', T0),
        f.second.agentFleet.agents.bindHost('ag1', 'hostB', T0),
      ]);
      expect(binds.filter(Boolean)).toHaveLength(1);
      await g.recordConnection('ag1', { connectionId: 'c1', controllerId: 'ctl' }, T0 + 1);
      await g.recordDisconnect('ag1', 'other', T0 + 2);
      expect((await g.get('ag1'))?.connectionId).toBe('c1');
      await g.recordDisconnect('ag1', 'c1', T0 + 3);
      const rec = await g.get('ag1');
      expect(rec).toMatchObject({ connectionId: null, connections: 1, lastDisconnectedAt: T0 + 3 });
      expect(['hostA', 'hostB']).toContain(rec?.hostId);
      // The batched form (the gateway group-commits hellos): same update, in order per agent.
      await g.recordConnections(
        [
          { id: 'ag1', conn: { connectionId: 'c2', controllerId: 'ctl', version: '2' } },
          { id: 'ag1', conn: { connectionId: 'c3', controllerId: 'ctl2' } },
        ],
        T0 + 4,
      );
      expect(await g.get('ag1')).toMatchObject({
        connectionId: 'c3',
        connectedTo: 'ctl2',
        connections: 3,
        version: '2',
        lastConnectedAt: T0 + 4,
      });
      // Batched disconnects (a reconnect storm): a connection a newer one replaced is kept.
      await g.recordDisconnects(
        [
          { id: 'ag1', connectionId: 'c2' },
          { id: 'nobody', connectionId: 'c3' },
        ],
        T0 + 5,
      );
      expect(await g.get('ag1')).toMatchObject({ connectionId: 'c3', connectedTo: 'ctl2' });
      await g.recordDisconnects([{ id: 'ag1', connectionId: 'c3' }], T0 + 6);
      expect(await g.get('ag1')).toMatchObject({
        connectionId: null,
        connectedTo: null,
        lastDisconnectedAt: T0 + 6,
        connections: 3,
      });
    });

    it('keeps the certificate a renewal superseded, revokes once, and lists credential changes', async () => {
      const g = f.store.agentFleet.agents;
      const enrolled = await g.create(
        {
          id: 'ag2',
          groupId: null,
          enrollmentTokenId: 'tok2',
          settings,
          certificateSerial: 'aa01',
          certificateNotAfter: T0 + 1000,
          version: '1',
          facts: {},
        },
        T0,
      );
      expect(enrolled).toMatchObject({
        previousCertificateSerial: null,
        certificateSupersededAt: null,
        revokedAt: null,
        credentialsChangedAt: null,
      });
      expect(await g.bindHost('ag2', 'hostR', T0)).toBe(true);
      await g.setCertificate('ag2', { serial: 'aa02', notAfter: T0 + 2000 }, T0 + 10);
      expect(await g.get('ag2')).toMatchObject({
        certificateSerial: 'aa02',
        certificateNotAfter: T0 + 2000,
        previousCertificateSerial: 'aa01',
        certificateSupersededAt: T0 + 10,
        credentialsChangedAt: T0 + 10,
      });
      // The same certificate twice (a retried write) does not make it its own predecessor.
      await g.setCertificate('ag2', { serial: 'aa02', notAfter: T0 + 2000 }, T0 + 11);
      expect((await g.get('ag2'))?.previousCertificateSerial).toBe('aa01');
      await g.setCertificate('ag2', { serial: 'aa03', notAfter: T0 + 3000 }, T0 + 20);
      expect(await g.get('ag2')).toMatchObject({
        certificateSerial: 'aa03',
        previousCertificateSerial: 'aa02',
        certificateSupersededAt: T0 + 20,
      });

      expect((await g.listCredentialChanges(T0 + 20, 10)).map((a) => a.id)).toEqual(['ag2']);
      expect(await g.listCredentialChanges(T0 + 21, 10)).toEqual([]);
      // expiry warnings: certificates ending before a moment, not revoked
      expect(
        (await g.listCertificatesEndingBefore(T0 + 3001, 10)).some((a) => a.id === 'ag2'),
      ).toBe(true);
      expect(
        (await g.listCertificatesEndingBefore(T0 + 3000, 10)).some((a) => a.id === 'ag2'),
      ).toBe(false);
      expect((await g.listByHost('hostR')).map((a) => a.id)).toEqual(['ag2']);
      expect(await g.listByHost('no-such-host')).toEqual([]);

      expect(await g.revoke('ag2', { by: 'admin:x', reason: 'host deleted' }, T0 + 30)).toBe(true);
      expect(await g.revoke('ag2', { by: 'admin:y', reason: 'again' }, T0 + 40)).toBe(false);
      expect(await g.get('ag2')).toMatchObject({
        revokedAt: T0 + 30,
        revokedBy: 'admin:x',
        revokedReason: 'host deleted',
        credentialsChangedAt: T0 + 30,
      });
      expect((await g.listCredentialChanges(T0 + 25, 10)).map((a) => a.id)).toEqual(['ag2']);
      expect(
        (await g.listCertificatesEndingBefore(T0 + 3001, 10)).some((a) => a.id === 'ag2'),
      ).toBe(false);
      expect(await g.revoke('no-such-agent', { by: 'x', reason: 'y' }, T0)).toBe(false);
    });
  });
}

contract('sqlite', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-agent-store-'));
  const store = openSqliteStore(path.join(dir, 'db.sqlite'));
  const second = openSqliteStore(path.join(dir, 'db.sqlite'));
  return {
    store,
    second,
    cleanup: async () => {
      await store.close();
      await second.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

contract('mongodb (FerretDB)', async () => {
  const server = await startFerretDb();
  const store = await openMongoStore(server.url);
  const second = await openMongoStore(server.url);
  return {
    store,
    second,
    cleanup: async () => {
      await store.close();
      await second.close();
      await server.stop();
    },
  };
});
