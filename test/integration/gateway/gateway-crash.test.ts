/**
 * The gateway when things go wrong: the controller killed mid-session (the Session finalizer
 * of another controller closes the session and takes the key off the host), and an
 * ephemeral key whose removal never happens (sshd refuses it after its expiry-time by itself).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grantEphemeralKey, waitUntilPlaced } from '../../../controller/gateway/ephemeral-grant';
import { sourceAddressFor } from '../../../controller/gateway/source-address';
import type { JobRecord } from '../../../controller/store/records';
import { openSqliteStore } from '../../../controller/store/sqlite/open-sqlite-store';
import { spawnController } from '../../helpers/controller-process';
import { sshLogin } from '../../helpers/sshd-client';
import { startTestController, type TestController } from '../../helpers/test-controller';
import { fleetApi } from '../authorizations/authorization-fleet';
import { startGatewayFixture, waitFor, type GatewayFixture, type Key } from './gateway-fixture';

const freePort = () =>
  new Promise<number>((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });

describe('session gateway: a killed controller, a key whose removal never comes', () => {
  let dataDir = '';
  let first: TestController;
  let fx: GatewayFixture;
  let alice: Key;
  let env: Record<string, string>;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'kwt-gw-crash-'));
    env = { KEYWARDEN_DATA_DIR: dataDir, KEYWARDEN_GATEWAY_ADDR: '127.0.0.1:0' };
    fx = await startGatewayFixture({
      startCtl: async (e) => (first = await startTestController({ env: { ...e, ...env } })),
    });
    const a = await fx.addPerson('alice');
    alice = a.key;
    await fx.grant(a.person);
  }, 300_000);

  afterAll(async () => {
    await first?.stop();
    await fx?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('an ephemeral key the gateway never removes is refused by sshd after its expiry-time', async () => {
    const s = first.services;
    const host = await s.store.hosts.get(fx.hostId);
    const from = await sourceAddressFor(fx.host.address, fx.host.port);
    // The removal is blocked: the robot that removes expiring grants at their expiry is off,
    // and any removal it queued is cancelled, so only sshd's expiry-time stands.
    await s.store.robots.update(
      'internal-expire-authorizations',
      { enabled: false },
      'test',
      Date.now(),
    );
    const blockRemovals = async () => {
      const queued = await s.store.jobs.list(
        { type: ['remove-authorization'], state: ['queued'] },
        { limit: 100 },
      );
      for (const j of queued.items) await s.store.jobs.requestCancel(j.id, Date.now());
    };
    const grant = await grantEphemeralKey(
      { store: s.store, queue: s.queue },
      {
        sessionId: 'expiry-test',
        hostId: fx.hostId,
        account: fx.deploy.name,
        fromAddress: from,
        ttlMs: 4_000,
        actor: 'test',
      },
      Date.now(),
    );
    await waitUntilPlaced(s.store, grant.authorizationId, fx.hostId, 60_000);
    await blockRemovals();
    const keyFile = join(fx.keyDir, 'ephemeral');
    await writeFile(keyFile, grant.key.privateKey, { mode: 0o600 });
    const login = () =>
      sshLogin({
        host: host?.address ?? '',
        port: fx.host.port,
        user: fx.deploy.name,
        identityFile: keyFile,
      });
    // Placed with from= the gateway's address: it logs in from there before its expiry ...
    if (Date.now() < grant.expiresAt - 1_500) expect((await login()).code).toBe(0);
    // ... and, with its line still in the file (nobody removed it), not after.
    await new Promise((r) => setTimeout(r, Math.max(0, grant.expiresAt - Date.now() + 1_500)));
    await blockRemovals();
    expect(await fx.keysFile()).toContain(grant.key.publicKey.split(' ')[1]);
    const after = await login();
    expect(after.code).toBe(255);
    expect(after.stderr).toContain('Permission denied');
  });

  it('a controller killed mid-session leaves a live session that the Session finalizer of another controller closes', async () => {
    await first.stop();
    const port = await freePort();
    const child = await spawnController({
      ...env,
      KEYWARDEN_GATEWAY_ADDR: `127.0.0.1:${port}`,
      KEYWARDEN_ALLOWED_SSHD_CONFIG_PATHS: JSON.stringify([fx.host.sshd.configPath]),
    });
    const store = openSqliteStore(join(dataDir, 'keywarden.db'));
    const person = spawn(
      'ssh',
      [
        '-i',
        alice.path,
        '-o',
        'IdentitiesOnly=yes',
        '-o',
        'StrictHostKeyChecking=no',
        '-o',
        'UserKnownHostsFile=/dev/null',
        '-o',
        'BatchMode=yes',
        '-F',
        '/dev/null',
        '-p',
        String(port),
        '-tt',
        `${fx.deploy.name}@${fx.hostId}@127.0.0.1`,
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let seen = '';
    person.stdout.on('data', (d: Buffer) => (seen += d.toString()));
    person.stdin.write('echo still-$((40+2))-here\n');
    try {
      const live = await waitFor('a live session', async () => {
        const page = await store.sessions.list({ state: ['live'] }, { limit: 5 });
        return page.items[0] ?? null;
      });
      await waitFor('the shell answering', async () => seen.includes('still-42-here'));
      await waitFor(
        'the key removed after login',
        async () => !(await fx.keysFile()).includes(`keywarden-gateway-session-${live.id}`),
      );
      const personExited = new Promise<number | null>((r) => person.once('exit', r));
      await child.kill('SIGKILL');
      // Bounded: a connection the dead controller's children kept open would hang here.
      // The exit, not the close of its pipes: only the person's ssh itself is looked at.
      const personExit = await Promise.race([
        personExited,
        new Promise<string>((r) => setTimeout(() => r('still connected after 60 s'), 60_000)),
      ]);
      expect(personExit).toBe(255);
      expect((await store.sessions.get(live.id))?.state).toBe('live');
      // Another controller on the same store, its clock past the heartbeat silence.
      const second = await startTestController({
        env: { KEYWARDEN_DATA_DIR: dataDir },
        clock: () => Date.now() + 120_000,
      });
      try {
        const api = fleetApi(() => second);
        const job: JobRecord = await api.runJob('session-finalizer', null, {});
        expect(job.state, JSON.stringify(job.error)).toBe('completed');
        expect(job.result).toMatchObject({ abandoned: 1, sessions: [live.id] });
        const closed = await second.services.store.sessions.get(live.id);
        expect(closed).toMatchObject({ state: 'abandoned', endedAt: closed?.lastSeenAt });
        expect(closed?.reason).toContain('stopped');
        expect(closed?.endedAt).toBeGreaterThanOrEqual(live.startedAt);
        // An attempt the dead controller was still opening (as its record was left).
        const t = Date.now();
        await second.services.store.sessions.create({
          ...live,
          id: `${live.id}-opening`,
          state: 'connecting',
          connectedAt: null,
          startedAt: t,
          lastSeenAt: t,
          authorizationId: null,
        });
        const failedJob: JobRecord = await api.runJob('failed-session-finalizer', null, {});
        expect(failedJob.result).toMatchObject({ failed: 1, sessions: [`${live.id}-opening`] });
        const never = await second.services.store.sessions.get(`${live.id}-opening`);
        expect(never).toMatchObject({ state: 'failed', endedAt: t });
        expect(never?.reason).toContain('never connected');
        expect((await second.services.store.sessions.get(live.id))?.state).toBe('abandoned');
      } finally {
        await second.stop();
      }
    } catch (err) {
      console.log(child.output().slice(-3000), seen.slice(-500));
      throw err;
    } finally {
      person.kill();
      await child.kill('SIGKILL');
      await store.close();
    }
  }, 300_000);
});
