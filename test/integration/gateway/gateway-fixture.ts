/**
 * A controller with its session gateway on loopback, managing one real sshd host (agentless)
 * with a `deploy` account, and people with their own keys: what every gateway suite needs.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { PersonRecord } from '../../../controller/store/directory-records';
import { newId } from '../../../controller/store/ids';
import type { SessionEventRecord, SessionRecord } from '../../../controller/store/session-records';
import { generateClientKey } from '../../helpers/sshd';
import { createTestUser, removeTestUsers, type TestUser } from '../../helpers/sshd-users';
import { startSshdFleet, type FleetHost, type SshdFleet } from '../../helpers/sshd-fleet';
import { startTestController, type TestController } from '../../helpers/test-controller';
import { fleetApi, waitFor } from '../authorizations/authorization-fleet';

export type Key = Awaited<ReturnType<typeof generateClientKey>>;

export interface GatewayFixture {
  ctl: TestController;
  fleet: SshdFleet;
  host: FleetHost;
  hostId: string;
  deploy: TestUser;
  keyDir: string;
  gatewayPort: number;
  keysFile(): Promise<string>;
  addPerson(uid: string, opts?: { groups?: string[] }): Promise<{ person: PersonRecord; key: Key }>;
  /** An authorization record for the person's key as deploy on the host (no line placed). */
  grant(person: PersonRecord): Promise<void>;
  sessions(): Promise<SessionRecord[]>;
  events(id: string): Promise<SessionEventRecord[]>;
  stop(): Promise<void>;
}

export async function startGatewayFixture(
  opts: {
    env?: Record<string, string>;
    /** Starts the controller with the env the fixture needs; the caller then stops it. */
    startCtl?: (env: Record<string, string>) => Promise<TestController>;
  } = {},
): Promise<GatewayFixture> {
  const keyDir = await mkdtemp(join(tmpdir(), 'kwt-gw-'));
  await chmod(keyDir, 0o755);
  await mkdir(join(keyDir, 'homes'), { mode: 0o755 });
  const deploy = await createTestUser({ name: 'deploy' }, join(keyDir, 'homes'));
  const hostKeysDir = (address: string) => join(keyDir, 'hosts', address);
  const fleet = await startSshdFleet({
    count: 1,
    settings: (address) => ({
      AuthorizedKeysFile: `${hostKeysDir(address)}/%u .ssh/authorized_keys`,
    }),
  });
  const host = fleet.hosts[0] as FleetHost;
  await mkdir(hostKeysDir(host.address), { recursive: true });
  const env = {
    KEYWARDEN_GATEWAY_ADDR: '127.0.0.1:0',
    KEYWARDEN_ALLOWED_SSHD_CONFIG_PATHS: JSON.stringify([host.sshd.configPath]),
    ...opts.env,
  };
  const ctl = opts.startCtl ? await opts.startCtl(env) : await startTestController({ env });
  const api = fleetApi(() => ctl);
  await ctl.services.store.hostGroups.setScanDefaults(
    { 'scan-authorized-keys': 0, 'scan-configs': 0, 'scan-host-key-activity': 0, 'scan-full': 0 },
    Date.now(),
  );
  const hostId = await api.addManagedHost(host);
  const scan = await api.runJob('scan-configs', hostId, { sshdConfigPath: host.sshd.configPath });
  expect(scan.state, JSON.stringify(scan.error)).toBe('completed');
  const gatewayPort = ctl.services.sessionGateway?.address().port ?? 0;
  expect(gatewayPort).toBeGreaterThan(0);
  const store = ctl.services.store;
  return {
    ctl,
    fleet,
    host,
    hostId,
    deploy,
    keyDir,
    gatewayPort,
    keysFile: () => readFile(join(hostKeysDir(host.address), deploy.name), 'utf8').catch(() => ''),
    async addPerson(uid, o = {}) {
      const key = await generateClientKey(keyDir, uid);
      const now = Date.now();
      const person: PersonRecord = {
        id: `p-${uid}`,
        directoryId: `uuid-${uid}`,
        dn: `uid=${uid},ou=people,dc=example,dc=test`,
        uid,
        name: uid,
        email: null,
        state: 'active',
        keys: [{ publicKey: key.publicKey, fingerprint: key.fingerprint, source: 'api' }],
        groups: o.groups ?? [],
        createdAt: now,
        updatedAt: now,
        leftAt: null,
      };
      await store.directory.putPerson(person);
      return { person, key };
    },
    async grant(person) {
      const k = person.keys[0] as PersonRecord['keys'][number];
      const now = Date.now();
      await store.authorizations.create({
        id: newId(now),
        fingerprint: k.fingerprint,
        publicKey: k.publicKey,
        source: { kind: 'public-key' },
        account: deploy.name,
        target: { hostId },
        options: [],
        expiresAt: null,
        onDrift: 'restore',
        state: 'active',
        createdBy: 'test',
        createdAt: now,
        removedBy: null,
        removedAt: null,
        updatedAt: now,
      });
    },
    sessions: async () => (await store.sessions.list({}, { limit: 100 })).items,
    events: (id) => store.sessions.listEvents(id),
    async stop() {
      if (!opts.startCtl) await ctl.stop();
      await fleet.stop();
      await removeTestUsers([deploy]);
      await rm(keyDir, { recursive: true, force: true });
    },
  };
}

/** The person's real OpenSSH client through the gateway; `input` is typed into its stdin. */
export function sshThroughGateway(
  fx: Pick<GatewayFixture, 'gatewayPort' | 'deploy' | 'hostId'>,
  key: Key,
  opts: { input?: string; args?: string[]; target?: string; timeoutMs?: number } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const args = [
    '-i',
    key.path,
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'BatchMode=yes',
    '-o',
    'LogLevel=ERROR',
    '-F',
    '/dev/null',
    '-p',
    String(fx.gatewayPort),
    ...(opts.args ?? ['-tt']),
    `${opts.target ?? `${fx.deploy.name}@${fx.hostId}`}@127.0.0.1`,
  ];
  return new Promise((resolve) => {
    const child = spawn('ssh', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 90_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    if (opts.input !== undefined) child.stdin.write(opts.input);
    else child.stdin.end();
  });
}

export { waitFor };
