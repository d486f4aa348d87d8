/**
 * Authorizations end to end, through the real CLI and API of a real controller managing
 * a fleet of real sshd hosts over SSH. OpenSSH judges every grant: a real `ssh` login.
 *
 * The "hosts" share one machine, so one account (deploy) exists on all of them; each sshd
 * reads its own AuthorizedKeysFile (/…/<host address>/%u first), as separate machines
 * would have separate files. Keywarden learns that from each host's configuration scan.
 */
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expiryTimeValue } from '../../../controller/authorizations/placed-options';
import type {
  AuthorizationRecord,
  PlacementRecord,
} from '../../../controller/store/authorization-records';
import { NO_OVERRIDES } from '../../../controller/store/host-records';
import type { AlertRecord, AuditRecord, JobRecord } from '../../../controller/store/records';
import { generateClientKey } from '../../helpers/sshd';
import { createTestUser, removeTestUsers, type TestUser } from '../../helpers/sshd-users';
import { startSshdFleet, type FleetHost, type SshdFleet } from '../../helpers/sshd-fleet';
import { startTestController, type TestController } from '../../helpers/test-controller';
import { fleetApi, keywarden, login as sshLoginAs, waitFor } from './authorization-fleet';

type Key = Awaited<ReturnType<typeof generateClientKey>>;
type Shown = { authorization: AuthorizationRecord; placements: PlacementRecord[] };

describe('authorizations: grants that land on every host of a group, and leave', () => {
  let fleet: SshdFleet;
  let ctl: TestController;
  let stopped = false;
  let env: Record<string, string>;
  let keyDir = '';
  let deploy: TestUser;
  const ids: string[] = [];
  let granted: Key;
  let forged: Key;
  let other: Key;
  let grantId = '';
  let forgedLine = '';
  const api = fleetApi(() => ctl);
  const h = (i: number) => fleet.hosts[i] as FleetHost;
  const hostKeysDir = (address: string) => join(keyDir, 'hosts', address);
  const keysFile = (i: number) => join(hostKeysDir(h(i).address), deploy.name);
  const readKeys = (i: number) => readFile(keysFile(i), 'utf8').catch(() => '');
  const configOf = (i: number) => ({ sshdConfigPath: h(i).sshd.configPath });
  // Scans read only the test's account: other suites on this machine add and remove
  // accounts at any moment, and a home vanishing mid-scan fails a whole-host scan.
  const scanOf = (i: number) => ({ ...configOf(i), accounts: [deploy.name] });
  const login = (i: number, key: Key) => sshLoginAs(h(i), deploy.name, key.path);
  const base64 = (k: Key) => k.publicKey.split(' ')[1] as string;
  const show = async (id: string) =>
    (await ctl.api<Shown>('GET', `/api/v1/authorizations/${id}`)).body;
  const placement = async (id: string, hostId: string) =>
    (await show(id)).placements.find((p) => p.hostId === hostId);
  const grant = async (body: Record<string, unknown>) => {
    const res = await ctl.api<{ authorization: AuthorizationRecord; jobId: string }>(
      'POST',
      '/api/v1/authorizations',
      { body: { account: deploy.name, ...body } },
    );
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    await api.treeEnded(res.body.jobId);
    return res.body.authorization;
  };
  const setGroup = (hostId: string, groupId: string | null) =>
    ctl.services.store.hosts.update(hostId, { groupId }, Date.now());

  beforeAll(async () => {
    keyDir = await mkdtemp(join(tmpdir(), 'kwt-authz-'));
    await chmod(keyDir, 0o755);
    await mkdir(join(keyDir, 'homes'), { mode: 0o755 });
    deploy = await createTestUser({ name: 'deploy' }, join(keyDir, 'homes'));
    [granted, forged, other] = await Promise.all([
      generateClientKey(keyDir, 'granted'),
      generateClientKey(keyDir, 'forged'),
      generateClientKey(keyDir, 'other'),
    ]);
    fleet = await startSshdFleet({
      count: 3,
      settings: (address) => ({
        AuthorizedKeysFile: `${hostKeysDir(address)}/%u .ssh/authorized_keys`,
      }),
    });
    for (const host of fleet.hosts) await mkdir(hostKeysDir(host.address), { recursive: true });
    // Each host's sshd config is not the system's: an admin allows those files.
    ctl = await startTestController({
      env: {
        KEYWARDEN_ALLOWED_SSHD_CONFIG_PATHS: JSON.stringify([
          ...fleet.hosts.map((x) => x.sshd.configPath),
          '/etc/ssh/sshd_config',
        ]),
      },
    });
    env = { KEYWARDEN_URL: ctl.url, KEYWARDEN_TOKEN: ctl.adminToken };
    // The scheduled scans would read each host with the system's sshd config: off here, the
    // test scans each host with its own.
    await ctl.services.store.hostGroups.setScanDefaults(
      { 'scan-authorized-keys': 0, 'scan-configs': 0, 'scan-host-key-activity': 0, 'scan-full': 0 },
      Date.now(),
    );
    for (const host of fleet.hosts) ids.push(await api.addManagedHost(host));
    for (const id of ids) {
      const firstScans = await ctl.api<{ items: JobRecord[] }>('GET', `/api/v1/jobs?host=${id}`);
      for (const j of firstScans.body.items) await api.jobEnded(j.id);
    }
    for (const [i, id] of ids.entries()) {
      const scan = await api.runJob('scan-configs', id, configOf(i));
      expect(scan.state, JSON.stringify(scan.error)).toBe('completed');
    }
    // Host groups have no route of their own yet (the inventory work adds them).
    await ctl.services.store.hostGroups.create(
      { id: 'web', name: 'web', description: 'test group', scanIntervalsMs: NO_OVERRIDES },
      Date.now(),
    );
    await setGroup(ids[0] as string, 'web');
    await setGroup(ids[1] as string, 'web');
    // A user's own line, carrying Keywarden's marker (with a tag) that the user forged.
    forgedLine = `no-pty ${forged.publicKey} keywarden-managed:authz-0123456789abcdef`;
    await writeFile(keysFile(0), `# my own key\n${forgedLine}\n`, { mode: 0o644 });
  }, 300_000);

  afterAll(async () => {
    if (!stopped) await ctl?.stop();
    await fleet?.stop();
    if (deploy) await removeTestUsers([deploy]);
    await rm(keyDir, { recursive: true, force: true });
  });

  it('grants a key to a group with an expiry (CLI): sshd lets it in on every host of the group, the line carries expiry-time', async () => {
    const before0 = await readKeys(0);
    const pub = join(keyDir, 'granted.pub');
    const add = await keywarden(
      [
        '--json',
        'authorizations',
        'add',
        '--public-key-file',
        pub,
        '--account',
        deploy.name,
        '--group',
        'web',
        '--expires',
        '+2h',
        '--option',
        'no-port-forwarding',
        '--option',
        'environment=SECRET_TOKEN=do-not-log',
      ],
      env,
    );
    expect(add.code, add.stderr).toBe(0);
    const { authorization, jobId } = JSON.parse(add.stdout) as {
      authorization: AuthorizationRecord;
      jobId: string;
    };
    grantId = authorization.id;
    expect(authorization).toMatchObject({
      fingerprint: granted.fingerprint,
      target: { groupId: 'web' },
      state: 'active',
      onDrift: 'restore',
    });
    expect(await api.treeEnded(jobId)).toMatchObject({ state: 'completed' });
    const expiry = expiryTimeValue(authorization.expiresAt as number);
    for (const i of [0, 1]) {
      const text = await readKeys(i);
      const line = text.split('\n').find((l) => l.includes(base64(granted)));
      expect(line).toBe(
        `no-port-forwarding,environment="SECRET_TOKEN=do-not-log",expiry-time="${expiry}" ${granted.publicKey} keywarden-managed:authz-${grantId}`,
      );
      expect((await login(i, granted)).code).toBe(0);
    }
    // Host 2 is not in the group: nothing placed, login refused.
    expect(await readKeys(2)).not.toContain(base64(granted));
    expect((await login(2, granted)).code).not.toBe(0);
    // Every line that was there (management key, the user's own lines) is there byte for byte.
    expect((await readKeys(0)).startsWith(before0)).toBe(true);

    const shown = await keywarden(['--json', 'authorizations', 'show', grantId], env);
    const { placements } = JSON.parse(shown.stdout) as Shown;
    expect(placements.map((p) => [p.hostId, p.state])).toEqual(
      [ids[0], ids[1]].sort().map((id) => [id, 'present']),
    );
    expect(placements.every((p) => typeof p.confirmedAt === 'number')).toBe(true);
    const audit = await ctl.api<{ items: AuditRecord[] }>(
      'GET',
      `/api/v1/audit?action=authorization.create&subject=${grantId}`,
    );
    expect(audit.body.items).toHaveLength(1);
    expect(audit.body.items[0]?.details).toMatchObject({
      fingerprint: granted.fingerprint,
      optionNames: ['no-port-forwarding', 'environment'],
    });
    expect(JSON.stringify(audit.body.items)).not.toContain('do-not-log');
  }, 300_000);

  it('refuses a grant that is wrong in any part, naming the field, and stores nothing', async () => {
    const bad = async (body: Record<string, unknown>, field: string) => {
      const res = await ctl.api<{ error: { code: string; details: { field: string } } }>(
        'POST',
        '/api/v1/authorizations',
        { body: { account: deploy.name, publicKey: granted.publicKey, groupId: 'web', ...body } },
      );
      expect(res.status, JSON.stringify(res.body)).toBeGreaterThanOrEqual(400);
      expect(res.body.error.details.field).toBe(field);
    };
    await bad({ expiresAt: Date.now() - 1000 }, 'expiresAt');
    await bad({ options: [{ name: 'expiry-time', value: '20990101Z' }] }, 'options');
    await bad({ options: [{ name: 'no-such-option' }] }, 'options');
    await bad({ publicKey: 'ssh-ed25519 not-base64!' }, 'publicKey');
    await bad({ groupId: 'no-such-group' }, 'groupId');
    await bad({ hostId: ids[0] }, 'hostId');
    const all = await ctl.api<{ items: AuthorizationRecord[] }>('GET', '/api/v1/authorizations');
    expect(all.body.items.map((a) => a.id)).toEqual([grantId]);
    // A host job naming the grant edits the grant's key and account only: another key is
    // refused before the host is touched, and the grant's records stay as they were.
    const forged = await api.runJob('add-authorized-key', ids[2] as string, {
      account: deploy.name,
      publicKey: other.publicKey,
      authorizationId: grantId,
      ...configOf(2),
    });
    expect(forged).toMatchObject({ state: 'failed', error: { code: 'INVALID_INPUT' } });
    expect(await placement(grantId, ids[2] as string)).toBeUndefined();
    expect(await readKeys(2)).not.toContain(base64(other));
  });

  it('decides coverage by records, not by the marker: a forged marker is neither authorized nor rewritten nor removed', async () => {
    await api.runJob('scan-authorized-keys', ids[0] as string, scanOf(0));
    const coverage = await ctl.api<{
      items: Array<{ fingerprint: string; markerInFile: boolean; coveredBy: string | null }>;
    }>('GET', `/api/v1/authorizations/coverage?hostId=${ids[0]}`);
    const of = (fp: string) => coverage.body.items.find((l) => l.fingerprint === fp);
    expect(of(forged.fingerprint)).toMatchObject({ markerInFile: true, coveredBy: null });
    expect(of(granted.fingerprint)).toMatchObject({ markerInFile: true, coveredBy: grantId });

    // Granting that very key to that account does not take over the user's line.
    const before = await readKeys(0);
    const onForged = await grant({ publicKey: forged.publicKey, hostId: ids[0] });
    const p = await placement(onForged.id, ids[0] as string);
    expect(p).toMatchObject({ state: 'blocked', error: expect.stringContaining('left as it is') });
    expect(await readKeys(0)).toBe(before);
    // Nor does removing it (the line is the user's, whatever marker it carries).
    const del = await ctl.api<{ jobId: string }>('DELETE', `/api/v1/authorizations/${onForged.id}`);
    expect(del.status).toBe(202);
    expect(await api.treeEnded(del.body.jobId)).toMatchObject({ state: 'completed' });
    expect(await readKeys(0)).toBe(before);
    expect(before).toContain(`${forgedLine}\n`);
  }, 180_000);

  it('restores a placed line removed by hand at the next scan, with an alert; other lines untouched', async () => {
    const text = await readKeys(0);
    const without = text
      .split('\n')
      .filter((l) => !l.includes(base64(granted)))
      .join('\n');
    await writeFile(keysFile(0), without);
    expect((await login(0, granted)).code).not.toBe(0);
    // A scan of another sshd config (the system's) reads other files: no verdict on the
    // placed line. (Without a path, a scan reads the config recorded for the host.)
    const elsewhere = await api.runJob('scan-authorized-keys', ids[0] as string, {
      accounts: [deploy.name],
      sshdConfigPath: '/etc/ssh/sshd_config',
    });
    expect(elsewhere.result).toMatchObject({ authorizations: { confirmed: 0, drifted: [] } });
    const scan = await api.runJob('scan-authorized-keys', ids[0] as string, scanOf(0));
    expect(scan.result).toMatchObject({
      authorizations: {
        drifted: [{ authorizationId: grantId, change: 'gone', action: 'restored' }],
      },
    });
    const alerts = await ctl.api<{ items: AlertRecord[] }>(
      'GET',
      '/api/v1/alerts?state=open&type=authorization-drift',
    );
    expect(alerts.body.items.map((a) => a.subject)).toContain(ids[0]);
    await waitFor('the line restored', async () => {
      const pl = await placement(grantId, ids[0] as string);
      return pl?.state === 'present' && pl.error === null;
    });
    expect(await readKeys(0)).toBe(text);
    expect((await login(0, granted)).code).toBe(0);
  }, 180_000);

  it('drops a placed line altered by hand when the grant says drop, leaving the altered line alone', async () => {
    const dropped = await grant({ publicKey: other.publicKey, hostId: ids[0], onDrift: 'drop' });
    expect(await placement(dropped.id, ids[0] as string)).toMatchObject({ state: 'present' });
    const text = await readKeys(0);
    const placed = `${other.publicKey.split(' ')[0]} ${base64(other)}`;
    const altered = text
      .split('\n')
      .map((l) => (l.startsWith(placed) ? `from="127.0.0.1" ${l}` : l))
      .join('\n');
    expect(altered).not.toBe(text);
    await writeFile(keysFile(0), altered);
    const scan = await api.runJob('scan-authorized-keys', ids[0] as string, scanOf(0));
    const seen = JSON.stringify({ altered, result: scan.result, error: scan.error });
    expect(scan.result, seen).toMatchObject({
      authorizations: {
        drifted: [{ authorizationId: dropped.id, change: 'altered', action: 'dropped' }],
      },
    });
    expect(await placement(dropped.id, ids[0] as string)).toMatchObject({ state: 'removed' });
    // Removing the grant now takes nothing away: the altered line is not Keywarden's.
    const del = await ctl.api<{ jobId: string }>('DELETE', `/api/v1/authorizations/${dropped.id}`);
    await api.treeEnded(del.body.jobId);
    expect(await readKeys(0)).toBe(altered);
  }, 180_000);

  it('follows the group: a host moved in through Keywarden gets the grant at once, a host that left is caught at its next scan', async () => {
    // Moved through the API: the grant follows without waiting for a scan.
    const moved = await ctl.api<{ jobId: string }>('POST', '/api/v1/hosts/batch', {
      body: { action: 'move-group', hostIds: [ids[2]], groupId: 'web' },
    });
    expect(moved.status, JSON.stringify(moved.body)).toBe(202);
    await api.treeEnded(moved.body.jobId);
    // Changed behind Keywarden's back (here: in the store): the host's next scan sees it.
    await setGroup(ids[1] as string, null);
    const left = await api.runJob('scan-authorized-keys', ids[1] as string, scanOf(1));
    expect(left.result).toMatchObject({ authorizations: { left: [grantId] } });
    await waitFor('placed on the joining host, removed from the leaving one', async () => {
      const a = await placement(grantId, ids[2] as string);
      const b = await placement(grantId, ids[1] as string);
      return a?.state === 'present' && b?.state === 'removed';
    });
    expect((await login(2, granted)).code).toBe(0);
    expect((await login(1, granted)).code).not.toBe(0);
    expect(await readKeys(1)).not.toContain(base64(granted));
    // Scanning the joined host now finds its line as placed.
    const joined = await api.runJob('scan-authorized-keys', ids[2] as string, scanOf(2));
    expect(joined.result).toMatchObject({ authorizations: { confirmed: 1, joined: [] } });
  }, 180_000);

  it('removes the grant (CLI): login refused everywhere, every other line untouched, the grant kept in history', async () => {
    const before0 = await readKeys(0);
    const rm_ = await keywarden(['--json', 'authorizations', 'remove', grantId], env);
    expect(rm_.code, rm_.stderr).toBe(0);
    const { jobId } = JSON.parse(rm_.stdout) as { jobId: string };
    expect(await api.treeEnded(jobId)).toMatchObject({ state: 'completed' });
    for (const i of [0, 1, 2]) {
      expect((await login(i, granted)).code).not.toBe(0);
      expect(await readKeys(i)).not.toContain(base64(granted));
    }
    const expected = before0
      .split('\n')
      .filter((l) => !l.includes(base64(granted)))
      .join('\n');
    expect(await readKeys(0)).toBe(expected);
    expect(expected).toContain(forgedLine);
    const list = await keywarden(['--json', 'authorizations', 'list', '--state', 'removed'], env);
    const removed = (JSON.parse(list.stdout) as { items: AuthorizationRecord[] }).items.find(
      (a) => a.id === grantId,
    );
    expect(removed).toMatchObject({
      state: 'removed',
      removedBy: expect.stringMatching(/^token:/),
    });
    const again = await keywarden(['authorizations', 'remove', grantId], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('CONFLICT');
  }, 180_000);

  it('authorizes a private key Keywarden generated on one host: its public half lets that key into another', async () => {
    const made = await api.runJob('generate-private-key', ids[0] as string, {
      account: h(0).account,
      policy: { type: 'ed25519' },
    });
    expect(made.state, JSON.stringify(made.error)).toBe('completed');
    const { path: keyPath, fingerprint } = made.result as { path: string; fingerprint: string };
    const res = await ctl.api<{ authorization: AuthorizationRecord; jobId: string }>(
      'POST',
      '/api/v1/authorizations',
      {
        body: {
          account: deploy.name,
          privateKey: { hostId: ids[0], path: keyPath },
          hostId: ids[1],
        },
      },
    );
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body.authorization).toMatchObject({
      fingerprint,
      source: { kind: 'private-key', hostId: ids[0], account: h(0).account, path: keyPath },
    });
    const parent = await api.treeEnded(res.body.jobId);
    expect(parent).toMatchObject({ type: 'authorize-private-key-parent', state: 'completed' });
    expect(await placement(res.body.authorization.id, ids[1] as string)).toMatchObject({
      state: 'present',
    });
    expect(
      (await sshLoginAs(h(1), deploy.name, keyPath)).code,
      'the generated key logs in to host 1',
    ).toBe(0);
    expect(await readKeys(1)).not.toContain('PRIVATE KEY');
    // A key the inventory does not hold is refused by name.
    const missing = await ctl.api<{ error: { code: string } }>('POST', '/api/v1/authorizations', {
      body: {
        account: deploy.name,
        privateKey: { hostId: ids[0], path: '/nowhere/id_ed25519' },
        hostId: ids[1],
      },
    });
    expect(missing.status).toBe(404);
  }, 180_000);

  it('queues the removal at the expiry once, and sshd refuses the key after it with the controller stopped', async () => {
    const expiresAt = Date.now() + 45_000;
    const short = await grant({ publicKey: other.publicKey, hostId: ids[2], expiresAt });
    expect(await placement(short.id, ids[2] as string)).toMatchObject({ state: 'present' });
    expect((await login(2, other)).code).toBe(0);
    expect(Date.now(), 'the grant took too long to place to see it expire').toBeLessThan(
      expiresAt - 5_000,
    );
    const removals = async () =>
      (
        await ctl.api<{ items: JobRecord[] }>(
          'GET',
          '/api/v1/jobs?type=remove-authorization&state=queued',
        )
      ).body.items.filter(
        (j) => (j.params as { authorizationId: string }).authorizationId === short.id,
      );
    await api.runJob('internal-expire-authorizations', null, {});
    await api.runJob('internal-expire-authorizations', null, {});
    const queued = await removals();
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({ runAt: expiresAt, params: { reason: 'expired' } });

    // From here only sshd decides.
    await ctl.stop();
    stopped = true;
    await new Promise((r) => setTimeout(r, Math.max(0, expiresAt + 1_500 - Date.now())));
    const refused = await login(2, other);
    expect(refused.code).not.toBe(0);
    expect(await readKeys(2)).toContain(
      `expiry-time="${expiryTimeValue(expiresAt)}" ${other.publicKey}`,
    );
  }, 180_000);
});
