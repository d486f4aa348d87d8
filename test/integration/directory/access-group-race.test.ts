/**
 * Two controllers running the access group processing at the same moment (ldap-sync on one,
 * the robot or a window's run on another) make each member's grant once: the grant record is
 * claimed by an insert before its authorization is made. Each controller process serialises
 * its own runs with a module-level chain, so two controllers are two instances of the module
 * here (vi.resetModules), over one store — SQLite, and FerretDB as the MongoDB server.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { JobContext } from '../../../controller/engine/job-definition';
import type { AccessGrantRecord, PersonRecord } from '../../../controller/store/directory-records';
import type { JobRecord } from '../../../controller/store/records';
import { NO_OVERRIDES } from '../../../controller/store/host-records';
import { generateClientKey } from '../../helpers/sshd';
import { startTestController, type TestController } from '../../helpers/test-controller';
import { waitFor } from '../authorizations/authorization-fleet';

type Process = (ctx: JobContext) => Promise<{ granted: number }>;

/** A fresh instance of the processing module: its own serialising chain, as another process. */
async function controllerInstance(): Promise<Process> {
  vi.resetModules();
  const mod = await import('../../../controller/directory/process-access-groups');
  return mod.processAccessGroups;
}

function contextOf(ctl: TestController, name: string): JobContext {
  const s = ctl.services;
  const enqueueByName: JobContext['enqueueByName'] = async (c) =>
    (
      await s.queue.enqueueByName(c.type, c.params, {
        createdBy: `job:${name}`,
        trigger: c.trigger ?? 'event',
      })
    ).job;
  return {
    job: { id: name, createdBy: 'scheduler' } as JobRecord,
    log: pino({ level: 'silent' }),
    signal: new AbortController().signal,
    store: s.store,
    now: Date.now,
    config: s.config,
    jobTypes: Object.keys(s.queue.registry),
    hostScans: [],
    heartbeat: async () => undefined,
    enqueue: ((c: Parameters<JobContext['enqueueByName']>[0]) =>
      enqueueByName(c)) as JobContext['enqueue'],
    enqueueByName,
  } as unknown as JobContext;
}

describe.each(['sqlite', 'mongodb'] as const)(
  'two controllers processing access groups at once (%s)',
  (store) => {
    let ctl: TestController;
    let keyDir = '';

    beforeAll(async () => {
      keyDir = await mkdtemp(join(tmpdir(), 'kwt-race-'));
      ctl = await startTestController({ store });
      // The controller's own robot stays out of the race: a year between its runs, and its
      // first run (at start) over before the access group exists.
      const off = await ctl.api('PATCH', '/api/v1/robots/access-groups-processing', {
        body: { intervalMs: 365 * 86_400_000 },
      });
      expect(off.status, JSON.stringify(off.body)).toBe(200);
      await waitFor('the robot idle', async () => {
        const res = await ctl.api<{ items: JobRecord[] }>(
          'GET',
          '/api/v1/jobs?type=access-groups-processing&state=queued,running',
        );
        return res.body.items.length === 0;
      });
      const s = ctl.services.store;
      await s.hostGroups.create(
        { id: 'db', name: 'db', description: 'no hosts', scanIntervalsMs: NO_OVERRIDES },
        Date.now(),
      );
      const now = Date.now();
      for (const uid of ['ann', 'ben', 'cat']) {
        const keys = await Promise.all(
          ['a', 'b'].map((k) => generateClientKey(keyDir, `${uid}-${k}`)),
        );
        const person: PersonRecord = {
          id: uid,
          directoryId: `uuid-${uid}`,
          dn: `uid=${uid},ou=people,dc=example,dc=test`,
          uid,
          name: uid,
          email: null,
          state: 'active',
          keys: keys.map((k) => ({
            publicKey: k.publicKey,
            fingerprint: k.fingerprint,
            source: 'api' as const,
          })),
          groups: ['dbas'],
          createdAt: now,
          updatedAt: now,
          leftAt: null,
        };
        await s.directory.putPerson(person);
      }
      await s.directory.addAccessGroup({
        id: 'dbas-db',
        directoryGroup: 'dbas',
        hostGroupId: 'db',
        account: 'postgres',
        options: [],
        createdBy: 'test',
        createdAt: now,
      });
    }, 120_000);

    afterAll(async () => {
      await ctl?.stop();
      await rm(keyDir, { recursive: true, force: true });
    });

    it('makes each grant, and its authorization, once', async () => {
      const [a, b] = [await controllerInstance(), await controllerInstance()];
      expect(a).not.toBe(b);
      const results = await Promise.all([a(contextOf(ctl, 'run-a')), b(contextOf(ctl, 'run-b'))]);
      const s = ctl.services.store;
      const grants = await s.directory.listGrants();
      const auths = (await s.authorizations.list({}, { limit: 100 })).items;
      expect(grants).toHaveLength(6);
      expect(auths).toHaveLength(6);
      expect(results[0].granted + results[1].granted).toBe(6);
      expect(new Set(auths.map((x) => x.id))).toEqual(
        new Set(grants.map((g) => g.authorizationId)),
      );
      expect(grants.every((g) => g.placing === undefined)).toBe(true);
    });

    it('settles a claim whose maker died: made again without its authorization, kept with it', async () => {
      const s = ctl.services.store;
      const [lost, kept] = (await s.directory.listGrants()).slice(0, 2) as [
        AccessGrantRecord,
        AccessGrantRecord,
      ];
      const longAgo = Date.now() - 11 * 60_000;
      // Died after the claim, before the authorization: a grant pointing at nothing.
      await s.directory.putGrant({
        ...lost,
        authorizationId: 'never-made',
        createdAt: longAgo,
        placing: true,
      });
      // Died after the authorization, before clearing the mark.
      await s.directory.putGrant({ ...kept, createdAt: longAgo, placing: true });
      // A claim of a moment ago is another run's work in progress: left alone.
      const young = (await s.directory.listGrants())[2] as AccessGrantRecord;
      await s.directory.putGrant({ ...young, placing: true });
      const result = await (await controllerInstance())(contextOf(ctl, 'run-c'));
      expect(result.granted).toBe(1);
      const after = new Map((await s.directory.listGrants()).map((g) => [g.id, g]));
      const remade = after.get(lost.id) as AccessGrantRecord;
      expect(remade.authorizationId).not.toBe('never-made');
      expect(remade.placing).toBeUndefined();
      expect(await s.authorizations.get(remade.authorizationId)).not.toBeNull();
      expect(after.get(kept.id)).toMatchObject({ authorizationId: kept.authorizationId });
      expect(after.get(kept.id)?.placing).toBeUndefined();
      expect(after.get(young.id)?.placing).toBe(true);
      // The six of the first test (the lost grant's old one is the test's leftover) and the new one.
      expect((await s.authorizations.list({}, { limit: 100 })).items).toHaveLength(7);
    });
  },
);
