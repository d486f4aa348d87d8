/**
 * A real scan of a real sshd's authorized_keys into the inventory keeps every key line:
 * - a key of a type Keywarden's parser does not know (a post-quantum hybrid) is an inventory
 *   item by its SHA256 fingerprint and type name, seen in `keys show`, the host's
 *   authorized keys and the access graph, and effective access says Keywarden does not
 *   know its type instead of granting or denying;
 * - a key written twice in one file with different from= is two items, so effective access
 *   from the inventory is what sshd decides, which a real `ssh` login from each source judges.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { effectiveAccessFromInventory } from '../../../controller/access/effective-access';
import { encodeSshString } from '../../../shared/ssh/ssh-wire';
import { generateClientKey, startTestSshd, type TestSshd } from '../../helpers/sshd';
import { sshLogin } from '../../helpers/sshd-client';
import { startTestController, type TestController } from '../../helpers/test-controller';
import { hostIdOf, rootConnection, type ClientKey } from '../jobs/host-job-harness';
import { jobEnded, keywarden } from './scanned-host';

type Row = {
  account: string;
  fingerprint: string;
  type: string;
  bits: number;
  line: number;
  options: { name: string; value?: string }[];
  knownType: boolean;
  firstSeenAt: number;
  removedAt: number | null;
};

const PQ_TYPE = 'ssh-mldsa65-ed25519@openssh.com';

describe('every authorized_keys line is in the inventory', () => {
  let dir = '';
  let sshd: TestSshd;
  let ctl: TestController;
  let twice: ClientKey;
  let carol = '';
  let keysFile = '';
  let hostId = '';
  let scanParams: Record<string, unknown> = {};
  let pqFingerprint = '';
  let pqLine = '';
  const lines = (...l: string[]) => `${l.join('\n')}\n`;

  const runJob = async (type: string, params: unknown) => {
    const res = await ctl.api<{ job: { id: string } }>('POST', '/api/v1/jobs', {
      body: { type, params },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const job = await jobEnded(ctl, res.body.job.id);
    expect(job.state, JSON.stringify(job.error)).toBe('completed');
    return job;
  };
  const carolsKeys = async (removed = false) =>
    (
      await ctl.api<{ items: Row[] }>(
        'GET',
        `/api/v1/hosts/${encodeURIComponent(hostId)}/authorized-keys?account=${carol}${removed ? '&includeRemoved=true' : ''}`,
      )
    ).body.items.sort((a, b) => a.line - b.line);
  const login = (from: string) =>
    sshLogin({
      host: sshd.address,
      port: sshd.port,
      user: carol,
      identityFile: twice.path,
      bindAddress: from,
    });
  const fromInventory = (sourceAddress: string) =>
    effectiveAccessFromInventory(ctl.services.store, {
      hostId,
      account: carol,
      sourceAddress,
      now: Date.now(),
    });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'kwt-every-line-'));
    const root = await generateClientKey(dir, 'root');
    twice = await generateClientKey(dir, 'twice');
    const blob = Buffer.concat([encodeSshString(PQ_TYPE), encodeSshString(randomBytes(96))]);
    pqLine = `${PQ_TYPE} ${blob.toString('base64')} carol-pq`;
    pqFingerprint = `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
    sshd = await startTestSshd({
      rootAuthorizedKeys: `${root.publicKey}\n`,
      users: [
        {
          name: 'carol',
          authorizedKeys: lines(
            `from="127.0.0.2",no-pty ${twice.publicKey}`,
            `restrict ${pqLine}`,
            `from="127.0.0.3" ${twice.publicKey}`,
          ),
        },
      ],
    });
    const user = sshd.user('carol');
    carol = user.name;
    keysFile = path.join(user.home, '.ssh', 'authorized_keys');
    ctl = await startTestController({
      env: { KEYWARDEN_ALLOWED_SSHD_CONFIG_PATHS: JSON.stringify([sshd.configPath]) },
    });
    await ctl.api('PATCH', '/api/v1/robots/internal-scheduler', { body: { enabled: false } });
    const connection = await rootConnection(sshd, root);
    hostId = hostIdOf(connection);
    scanParams = { connection, sshdConfigPath: sshd.configPath, accounts: [carol] };
    // Accounts, config and keys; rescans then read only carol's keys.
    await runJob('scan-full', {
      connection,
      sshdConfigPath: sshd.configPath,
      logFiles: [sshd.logPath],
    });
  }, 180_000);

  afterAll(async () => {
    await ctl?.stop();
    await sshd?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps a key of an unknown type by fingerprint and type name, in keys show, the host and the graph', async () => {
    const rows = await carolsKeys();
    expect(rows.map((r) => [r.line, r.type, r.knownType])).toEqual([
      [1, 'ssh-ed25519', true],
      [2, PQ_TYPE, false],
      [3, 'ssh-ed25519', true],
    ]);
    expect(rows[1]).toMatchObject({
      fingerprint: pqFingerprint,
      bits: 0,
      options: [{ name: 'restrict' }],
    });

    const shown = await keywarden(ctl, ['keys', 'show', pqFingerprint], ctl.adminToken);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(
      `key ${pqFingerprint}: ${PQ_TYPE} (a type not known to Keywarden)`,
    );
    expect(shown.stdout).toContain(`${keysFile}:2`);
    const json = await keywarden(ctl, ['--json', 'keys', 'show', pqFingerprint], ctl.adminToken);
    expect(JSON.parse(json.stdout)).toMatchObject({
      fingerprint: pqFingerprint,
      type: PQ_TYPE,
      knownType: false,
      authorized: { lines: 1, hosts: 1 },
      authorizedKeys: { items: [{ account: carol, line: 2, knownType: false }] },
    });

    await runJob('graph-analysis', {});
    const reach = await ctl.api<{
      items: Array<{ hostId: string; account: string; hops: number }>;
    }>('GET', `/api/v1/access/key-reach?fingerprint=${encodeURIComponent(pqFingerprint)}`);
    expect(reach.status, JSON.stringify(reach.body)).toBe(200);
    expect(reach.body.items).toEqual([
      expect.objectContaining({ hostId, account: carol, hops: 1 }),
    ]);
  }, 120_000);

  it("says effective access of an unknown type is sshd's to decide, neither granted nor denied", async () => {
    const access = await fromInventory('127.0.0.1');
    const pq = access.keys.find((k) => k.fingerprint === pqFingerprint);
    expect(pq).toMatchObject({
      keyType: PQ_TYPE,
      canLogIn: false,
      decidedBy: 'unknown-key-type',
      reason: expect.stringContaining(`key type ${PQ_TYPE} is not known to Keywarden`),
    });
    expect(access.lines.find((l) => l.line === 2)).toMatchObject({ status: 'unknown-type' });
  });

  it('keeps both lines of a key written twice: the inventory decides each source as sshd does', async () => {
    const rows = await carolsKeys();
    expect(rows.filter((r) => r.fingerprint === twice.fingerprint).map((r) => r.options)).toEqual([
      [{ name: 'from', value: '127.0.0.2' }, { name: 'no-pty' }],
      [{ name: 'from', value: '127.0.0.3' }],
    ]);
    for (const [from, line] of [
      ['127.0.0.2', 1],
      ['127.0.0.3', 3],
      ['127.0.0.4', null],
    ] as const) {
      const verdict = (await fromInventory(from)).keys.find(
        (k) => k.fingerprint === twice.fingerprint,
      );
      const real = await login(from);
      expect({ from, canLogIn: verdict?.canLogIn, line: verdict?.grantedBy?.line ?? null }).toEqual(
        { from, canLogIn: real.code === 0, line },
      );
    }
  }, 120_000);

  it('keeps first seen of the lines that stay, and marks the removed line removed, then back', async () => {
    const before = await carolsKeys();
    await writeFile(
      keysFile,
      lines(`from="127.0.0.2",no-pty ${twice.publicKey}`, `restrict ${pqLine}`),
    );
    await runJob('scan-authorized-keys', scanParams);
    const after = await carolsKeys(true);
    expect(after.map((r) => [r.line, r.removedAt === null])).toEqual([
      [1, true],
      [2, true],
      [3, false],
    ]);
    expect(after.map((r) => r.firstSeenAt)).toEqual(before.map((r) => r.firstSeenAt));
    expect((await login('127.0.0.3')).code).not.toBe(0);
    const verdict = (await fromInventory('127.0.0.3')).keys.find(
      (k) => k.fingerprint === twice.fingerprint,
    );
    expect(verdict?.canLogIn).toBe(false);

    // Written back: the same item present again, its first seen kept.
    await writeFile(
      keysFile,
      lines(
        `from="127.0.0.2",no-pty ${twice.publicKey}`,
        `restrict ${pqLine}`,
        `from="127.0.0.3" ${twice.publicKey}`,
      ),
    );
    await runJob('scan-authorized-keys', scanParams);
    const back = await carolsKeys(true);
    expect(back.map((r) => [r.line, r.removedAt])).toEqual([
      [1, null],
      [2, null],
      [3, null],
    ]);
    expect(back.map((r) => r.firstSeenAt)).toEqual(before.map((r) => r.firstSeenAt));
    expect((await login('127.0.0.3')).code).toBe(0);
  }, 120_000);
});

describe('a scan queued without the sshd config path, as the scheduler queues one', () => {
  it('reads the config the host was scanned with, not /etc/ssh/sshd_config', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'kwt-config-path-'));
    const root = await generateClientKey(dir, 'root');
    const sshd = await startTestSshd({ rootAuthorizedKeys: `${root.publicKey}\n` });
    const ctl = await startTestController({
      env: {
        KEYWARDEN_ALLOWED_SSHD_CONFIG_PATHS: JSON.stringify([
          sshd.configPath,
          '/etc/ssh/sshd_config',
        ]),
      },
    });
    try {
      const connection = await rootConnection(sshd, root);
      const hostId = hostIdOf(connection);
      const scan = async (params: Record<string, unknown>) => {
        const res = await ctl.api<{ job: { id: string } }>('POST', '/api/v1/jobs', {
          body: { type: 'scan-configs', params: { connection, ...params } },
        });
        expect(res.status, JSON.stringify(res.body)).toBe(201);
        const job = await jobEnded(ctl, res.body.job.id);
        expect(job.state, JSON.stringify(job.error)).toBe('completed');
      };
      const recordedPath = async () =>
        (
          await ctl.api<{ sshdConfigPath: string }>(
            'GET',
            `/api/v1/hosts/${encodeURIComponent(hostId)}/sshd-settings`,
          )
        ).body.sshdConfigPath;
      await scan({ sshdConfigPath: sshd.configPath });
      expect(await recordedPath()).toBe(sshd.configPath);
      await scan({});
      expect(await recordedPath()).toBe(sshd.configPath);
      // Named, the default is read again.
      await scan({ sshdConfigPath: '/etc/ssh/sshd_config' });
      expect(await recordedPath()).toBe('/etc/ssh/sshd_config');
    } finally {
      await ctl.stop();
      await sshd.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
