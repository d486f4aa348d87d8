/**
 * Key retirement as an operator does it: the real `keywarden` CLI against a real controller
 * managing a real sshd host over SSH. The management key is refused (quarantining it would
 * lock Keywarden out); an unused hand-written key is listed, quarantined (sshd refuses it,
 * Keywarden still gets in), refused deletion during its watch period, and restored.
 */
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventoryItemKey } from '../../../controller/store/inventory-records';
import { generateClientKey } from '../../helpers/sshd';
import { startSshdFleet, type FleetHost, type SshdFleet } from '../../helpers/sshd-fleet';
import { startTestController, type TestController } from '../../helpers/test-controller';
import { fleetApi, keywarden, login, waitFor } from '../authorizations/authorization-fleet';

describe('keywarden keys quarantine|restore|retire|unused against a managed sshd host', () => {
  let fleet: SshdFleet;
  let ctl: TestController;
  let env: Record<string, string>;
  let keyDir = '';
  let hostId = '';
  const api = fleetApi(() => ctl);
  const h = () => fleet.hosts[0] as FleetHost;
  const keysFile = () => join(h().sshd.user('mgmt').home, '.ssh', 'authorized_keys');
  const cli = async (args: string[]) => keywarden(args, env);

  beforeAll(async () => {
    keyDir = await mkdtemp(join(tmpdir(), 'kwt-retire-cli-'));
    fleet = await startSshdFleet({ count: 1 });
    ctl = await startTestController({
      env: { KEYWARDEN_ALLOWED_SSHD_CONFIG_PATHS: JSON.stringify([h().sshd.configPath]) },
    });
    env = { KEYWARDEN_URL: ctl.url, KEYWARDEN_TOKEN: ctl.adminToken };
    await ctl.services.store.hostGroups.setScanDefaults(
      { 'scan-authorized-keys': 0, 'scan-configs': 0, 'scan-host-key-activity': 0, 'scan-full': 0 },
      Date.now(),
    );
    hostId = await api.addManagedHost(h());
  }, 300_000);

  afterAll(async () => {
    await ctl?.stop();
    await fleet?.stop();
    await rm(keyDir, { recursive: true, force: true });
  });

  it('refuses the management key, quarantines and restores an unused key; the robot retires it', async () => {
    const old = await generateClientKey(keyDir, 'old');
    await appendFile(keysFile(), `${old.publicKey} forgotten\n`);
    // Keywarden has known this line for 400 days and seen no login with it.
    await ctl.services.store.inventory.items.upsert(
      {
        kind: 'authorized-key',
        hostId,
        key: inventoryItemKey('authorized-key', {
          account: h().account,
          file: keysFile(),
          fingerprint: old.fingerprint,
        }),
        account: h().account,
        fingerprint: old.fingerprint,
        data: {
          file: keysFile(),
          line: 0,
          options: [],
          type: '',
          bits: 0,
          comment: '',
          managed: false,
        },
      },
      Date.now() - 400 * 86_400_000,
    );
    const sshdConfigPath = h().sshd.configPath;
    expect((await api.runJob('scan-authorized-keys', hostId, { sshdConfigPath })).state).toBe(
      'completed',
    );
    const before = await readFile(keysFile(), 'utf8');
    const params = JSON.stringify({ sshdConfigPath });

    const [mgmt] = await ctl.services.store.hostCredentials.listForHost(hostId);
    expect(mgmt?.fingerprint).toMatch(/^SHA256:/);
    const refused = await cli(['keys', 'quarantine', mgmt!.fingerprint!, '--days', '30']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/CONFLICT: .*quarantining it would lock Keywarden out/);

    const unused = await cli(['--json', 'keys', 'unused', '--days', '30']);
    expect(unused.code, unused.stderr).toBe(0);
    const listed = JSON.parse(unused.stdout) as { items: { fingerprint: string }[] };
    // The management key was first seen just now: not known to be unused for 30 days.
    expect(listed.items.map((k) => k.fingerprint)).toEqual([old.fingerprint]);

    expect((await login(h(), h().account, old.path)).code).toBe(0);
    const q = await cli([
      '--json',
      'keys',
      'quarantine',
      old.fingerprint,
      '--days',
      '30',
      '--watch-days',
      '7',
      '--params',
      params,
    ]);
    expect(q.code, q.stderr).toBe(0);
    const qJob = await api.treeEnded((JSON.parse(q.stdout) as { jobId: string }).jobId);
    expect(qJob.state).toBe('completed');
    expect((await login(h(), h().account, old.path)).code).not.toBe(0);
    // Keywarden still logs in with its own key (a scan runs through it).
    expect((await api.runJob('scan-authorized-keys', hostId, { sshdConfigPath })).state).toBe(
      'completed',
    );

    const early = await cli(['keys', 'retire', old.fingerprint, '--params', params]);
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/CONFLICT: .*still in its watch period/);

    const shown = await cli(['keys', 'quarantines', '--fingerprint', old.fingerprint]);
    expect(shown.stdout).toMatch(/quarantined/);

    const r = await cli(['--json', 'keys', 'restore', old.fingerprint, '--params', params]);
    expect(r.code, r.stderr).toBe(0);
    const rJob = await api.treeEnded((JSON.parse(r.stdout) as { jobId: string }).jobId);
    expect(rJob.state).toBe('completed');
    expect(await readFile(keysFile(), 'utf8')).toBe(before);
    expect((await login(h(), h().account, old.path)).code).toBe(0);

    // Quarantined again with no watch period: the robot, off by default, once enabled moves
    // it to deletion.
    const robots = await ctl.api<{ items: { type: string; enabled: boolean }[] }>(
      'GET',
      '/api/v1/robots',
    );
    const robot = robots.body.items.find((x) => x.type === 'internal-retire-quarantined-keys');
    expect(robot?.enabled).toBe(false);
    const again = await cli([
      '--json',
      'keys',
      'quarantine',
      old.fingerprint,
      '--days',
      '30',
      '--watch-days',
      '0',
      '--params',
      params,
    ]);
    expect(again.code, again.stderr).toBe(0);
    expect((await api.treeEnded((JSON.parse(again.stdout) as { jobId: string }).jobId)).state).toBe(
      'completed',
    );
    const enable = await cli(['robots', 'set', 'internal-retire-quarantined-keys', '--enable']);
    expect(enable.code, enable.stderr).toBe(0);
    await waitFor(
      'the line deleted',
      async () =>
        (await ctl.services.store.keyQuarantines.list({ fingerprint: old.fingerprint }))[0]
          ?.state === 'deleted',
    );
    expect(await readFile(keysFile(), 'utf8')).toBe(
      before.replace(`${old.publicKey} forgotten\n`, ''),
    );
    expect((await login(h(), h().account, old.path)).code).not.toBe(0);
  });
});
