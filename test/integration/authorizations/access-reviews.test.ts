/**
 * Access reviews end to end, as an operator, an owner and an auditor would use them:
 * through the real CLI and API of a real controller that manages a real sshd host over
 * SSH. The review robot runs on the engine's clock, which the test moves past the
 * deadline instead of waiting for it; OpenSSH judges the outcome with real logins.
 */
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessHistoryEntry } from '../../../controller/access-reviews/access-history';
import type {
  ReviewItemRecord,
  ReviewRoundRecord,
} from '../../../controller/store/access-review-records';
import type { AuthorizationRecord } from '../../../controller/store/authorization-records';
import type { AuditRecord, JobRecord } from '../../../controller/store/records';
import { generateClientKey } from '../../helpers/sshd';
import { createTestUser, removeTestUsers, type TestUser } from '../../helpers/sshd-users';
import { startSshdFleet, type FleetHost, type SshdFleet } from '../../helpers/sshd-fleet';
import { startTestController, type TestController } from '../../helpers/test-controller';
import { fleetApi, keywarden, login as sshLoginAs } from './authorization-fleet';

type Key = Awaited<ReturnType<typeof generateClientKey>>;
type RoundView = {
  round: ReviewRoundRecord;
  counts: Record<string, number>;
  items: ReviewItemRecord[];
};
const DAY = 86_400_000;

describe('access reviews: the owner confirms or revokes each grant, the deadline removes the rest', () => {
  let fleet: SshdFleet;
  let ctl: TestController;
  let keyDir = '';
  let deploy: TestUser;
  let hostId = '';
  /** How far the engine's clock is ahead of the wall clock. */
  let offset = 0;
  const tokens = { alice: '', bob: '', audra: '' };
  const keys: Record<'kept' | 'revoked' | 'forgotten', Key> = {} as never;
  const grants: Record<'kept' | 'revoked' | 'forgotten', AuthorizationRecord> = {} as never;
  let roundId = '';
  const api = fleetApi(() => ctl);
  const host = () => fleet.hosts[0] as FleetHost;
  const hostKeysDir = (address = host().address) => join(keyDir, 'hosts', address);
  const login = (k: Key) => sshLoginAs(host(), deploy.name, k.path);
  const as = (token: string) => ({ KEYWARDEN_URL: ctl.url, KEYWARDEN_TOKEN: token });
  const cli = async (token: string, args: string[]) => {
    const res = await keywarden(['--json', ...args], as(token));
    return { ...res, json: res.code === 0 ? (JSON.parse(res.stdout) as unknown) : null };
  };
  /** Runs the review robot once on the engine's clock; its result. */
  const runRobot = async () => {
    // The robot is a singleton: a run queued before the clock moved is waited for first.
    const since = Date.now() + offset - 1000;
    for (;;) {
      const job = await api.runJob('internal-access-reviews', null, {});
      if (job.createdAt < since) continue;
      expect(job.state, JSON.stringify(job.error)).toBe('completed');
      return job.result as { opened: string[]; closed: string[]; removed: number };
    }
  };
  const round = async (token = ctl.adminToken) =>
    (await ctl.api<RoundView>('GET', `/api/v1/reviews/rounds/${roundId}`, { token })).body;

  beforeAll(async () => {
    keyDir = await mkdtemp(join(tmpdir(), 'kwt-review-'));
    await chmod(keyDir, 0o755);
    await mkdir(join(keyDir, 'homes'), { mode: 0o755 });
    deploy = await createTestUser({ name: 'deploy' }, join(keyDir, 'homes'));
    for (const k of ['kept', 'revoked', 'forgotten'] as const)
      keys[k] = await generateClientKey(keyDir, k);
    fleet = await startSshdFleet({
      count: 1,
      settings: (address) => ({
        AuthorizedKeysFile: `${hostKeysDir(address)}/%u .ssh/authorized_keys`,
      }),
    });
    await mkdir(hostKeysDir(), { recursive: true });
    ctl = await startTestController({
      env: { KEYWARDEN_ALLOWED_SSHD_CONFIG_PATHS: JSON.stringify([host().sshd.configPath]) },
      clock: () => Date.now() + offset,
    });
    // The test scans the host with its own sshd config, and runs the review robot itself.
    await ctl.services.store.hostGroups.setScanDefaults(
      { 'scan-authorized-keys': 0, 'scan-configs': 0, 'scan-host-key-activity': 0, 'scan-full': 0 },
      Date.now(),
    );
    // (A disabled robot's jobs are not run at all: a year between runs keeps it out of the
    // way while the clock moves by days, and the test's runs go through.)
    const off = await ctl.api('PATCH', '/api/v1/robots/internal-access-reviews', {
      body: { intervalMs: 365 * DAY },
    });
    expect(off.status, JSON.stringify(off.body)).toBe(200);
    for (const [name, role] of [
      ['alice', 'operator'],
      ['bob', 'operator'],
      ['audra', 'auditor'],
    ] as const) {
      const t = await ctl.api<{ secret: string }>('POST', '/api/v1/tokens', {
        body: { name, role },
      });
      tokens[name] = t.body.secret;
    }
    hostId = await api.addManagedHost(host());
    const firstScans = await ctl.api<{ items: JobRecord[] }>('GET', `/api/v1/jobs?host=${hostId}`);
    for (const j of firstScans.body.items) await api.jobEnded(j.id);
    const scan = await api.runJob('scan-configs', hostId, {
      sshdConfigPath: host().sshd.configPath,
    });
    expect(scan.state, JSON.stringify(scan.error)).toBe('completed');
    const group = await ctl.api('POST', '/api/v1/host-groups', {
      body: { id: 'web', name: 'web' },
    });
    expect(group.status, JSON.stringify(group.body)).toBe(201);
    const moved = await ctl.api<{ updateJobId?: string }>('PUT', `/api/v1/hosts/${hostId}/group`, {
      body: { groupId: 'web' },
    });
    expect(moved.status, JSON.stringify(moved.body)).toBeLessThan(300);
    for (const k of ['kept', 'revoked', 'forgotten'] as const) {
      const res = await ctl.api<{ authorization: AuthorizationRecord; jobId: string }>(
        'POST',
        '/api/v1/authorizations',
        { body: { account: deploy.name, publicKey: keys[k].publicKey, groupId: 'web' } },
      );
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      expect(await api.treeEnded(res.body.jobId)).toMatchObject({ state: 'completed' });
      grants[k] = res.body.authorization;
      expect((await login(keys[k])).code, `${k} logs in once granted`).toBe(0);
    }
  }, 300_000);

  afterAll(async () => {
    await ctl?.stop();
    await fleet?.stop();
    if (deploy) await removeTestUsers([deploy]);
    await rm(keyDir, { recursive: true, force: true });
  });

  it('refuses a campaign that is wrong in any part, naming the field', async () => {
    const body = {
      name: 'web quarterly',
      groupId: 'web',
      owner: 'alice',
      periodMs: 90 * DAY,
      deadlineMs: 14 * DAY,
      onUnconfirmed: 'remove',
    };
    const bad = async (over: Record<string, unknown>, field: string, status = 400) => {
      const res = await ctl.api<{
        error: { code: string; message: string; details: { field: string } };
      }>('POST', '/api/v1/reviews/campaigns', { body: { ...body, ...over } });
      expect(res.status, JSON.stringify(res.body)).toBe(status);
      expect(JSON.stringify(res.body.error)).toContain(field);
    };
    await bad({ owner: 'nobody' }, 'owner');
    await bad({ owner: 'audra' }, 'owner'); // an auditor could never decide
    await bad({ deadlineMs: 90 * DAY }, 'deadlineMs');
    await bad({ groupId: 'no-such-group' }, 'groupId');
    await bad({ onUnconfirmed: 'ignore' }, 'onUnconfirmed');
    await bad({ periodMs: 1000 }, 'periodMs');
    const auditor = await ctl.api('POST', '/api/v1/reviews/campaigns', {
      body,
      token: tokens.audra,
    });
    expect(auditor.status).toBe(403);
    const none = await ctl.api<{ items: unknown[] }>('GET', '/api/v1/reviews/campaigns');
    expect(none.body.items).toEqual([]);
    // The routes and what they accept are in the OpenAPI document.
    const doc = await ctl.api<{
      paths: Record<
        string,
        Record<string, { parameters?: Array<{ name: string }>; requestBody?: unknown }>
      >;
    }>('GET', '/api/v1/openapi.json', { token: null });
    expect(
      doc.body.paths['/api/v1/reviews/rounds/{id}/items/{authorizationId}/revoke']?.post,
    ).toBeDefined();
    expect(
      doc.body.paths['/api/v1/reviews/access-history']?.get?.parameters?.map((p) => p.name),
    ).toEqual(expect.arrayContaining(['hostId', 'groupId', 'from', 'to']));
    expect(doc.body.paths['/api/v1/reviews/campaigns']?.post?.requestBody).toMatchObject({
      content: { 'application/json': { schema: { required: expect.arrayContaining(['owner']) } } },
    });
  });

  it('opens a round when due with every grant of the group, and only the owner (or an admin) decides', async () => {
    const created = await cli(ctl.adminToken, [
      'reviews',
      'create',
      '--name',
      'web quarterly',
      '--group',
      'web',
      '--owner',
      'alice',
      '--every',
      '90d',
      '--deadline',
      '14d',
      '--on-unconfirmed',
      'remove',
      '--application',
      'billing',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const { campaign } = created.json as { campaign: { id: string; applicationId: string } };
    expect(campaign.applicationId).toBe('billing');
    const first = await runRobot();
    expect(first.opened).toHaveLength(1);
    roundId = first.opened[0] as string;
    const opened = await round(tokens.audra);
    expect(opened.round).toMatchObject({ state: 'open', owner: 'alice', campaignId: campaign.id });
    expect(opened.counts).toMatchObject({ pending: 3 });
    expect(opened.items.map((i) => i.authorizationId).sort()).toEqual(
      Object.values(grants)
        .map((g) => g.id)
        .sort(),
    );
    expect(opened.items.every((i) => i.grantedBy.startsWith('token:bootstrap-admin#'))).toBe(true);
    const shown = await keywarden(['reviews', 'show', roundId], as(tokens.audra));
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`round ${roundId}: open, owner alice`);
    expect(shown.stdout).toMatch(/AUTHORIZATIONID\s+FINGERPRINT\s+ACCOUNT\s+TARGET/);
    expect(shown.stdout).toContain(keys.kept.fingerprint);
    // A second run opens nothing: the next round is due in 90 days.
    expect((await runRobot()).opened).toEqual([]);

    // Bob is an operator, but not the owner: he may not sign Alice's review.
    const bob = await cli(tokens.bob, ['reviews', 'confirm', roundId, grants.kept.id]);
    expect(bob.code).toBe(3);
    expect(bob.stderr).toContain('FORBIDDEN');
    expect(bob.stderr).toContain('alice');
    const bobRevoke = await ctl.api(
      'POST',
      `/api/v1/reviews/rounds/${roundId}/items/${grants.revoked.id}/revoke`,
      {
        body: {},
        token: tokens.bob,
      },
    );
    expect(bobRevoke.status).toBe(403);
    expect((await round()).counts).toMatchObject({ pending: 3 });

    const kept = await cli(tokens.alice, [
      'reviews',
      'confirm',
      roundId,
      grants.kept.id,
      '--note',
      'on call this quarter',
    ]);
    expect(kept.code, kept.stderr).toBe(0);
    expect((kept.json as { item: ReviewItemRecord }).item).toMatchObject({
      decision: 'confirmed',
      decidedBy: expect.stringMatching(/^token:alice#/),
      note: 'on call this quarter',
    });
    const again = await cli(tokens.alice, ['reviews', 'revoke', roundId, grants.kept.id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('CONFLICT');

    const revoked = await cli(tokens.alice, ['reviews', 'revoke', roundId, grants.revoked.id]);
    expect(revoked.code, revoked.stderr).toBe(0);
    const { jobId } = revoked.json as { jobId: string };
    expect(await api.treeEnded(jobId)).toMatchObject({ state: 'completed' });
    expect((await login(keys.revoked)).code, 'the revoked key is refused').not.toBe(0);
    expect((await login(keys.kept)).code).toBe(0);
    expect((await login(keys.forgotten)).code, 'undecided: still in until the deadline').toBe(0);
  }, 180_000);

  it('at the deadline removes the grant nobody confirmed, once, and sshd refuses it', async () => {
    // Nothing happens before the deadline.
    offset = 13 * DAY;
    expect((await runRobot()).closed).toEqual([]);
    expect((await login(keys.forgotten)).code).toBe(0);
    offset = 15 * DAY;
    const closing = await runRobot();
    expect(closing).toMatchObject({ closed: [roundId], removed: 1 });
    const closed = await round();
    expect(closed.round).toMatchObject({ state: 'closed' });
    expect(closed.counts).toMatchObject({ pending: 0, confirmed: 1, revoked: 1, unconfirmed: 1 });
    const forgotten = closed.items.find((i) => i.authorizationId === grants.forgotten.id);
    expect(forgotten).toMatchObject({ decision: 'unconfirmed', action: 'remove' });
    expect(await api.treeEnded(forgotten?.removalJobId as string)).toMatchObject({
      state: 'completed',
    });
    expect((await login(keys.forgotten)).code, 'the unconfirmed key is refused').not.toBe(0);
    expect((await login(keys.kept)).code, 'the confirmed key still logs in').toBe(0);
    // The robot again (as after a restart): no second removal, and decisions are closed.
    await runRobot();
    const removals = (
      await ctl.api<{ items: JobRecord[] }>(
        'GET',
        '/api/v1/jobs?type=remove-authorization&limit=100',
      )
    ).body.items.filter(
      (j) => (j.params as { authorizationId: string }).authorizationId === grants.forgotten.id,
    );
    expect(removals.map((j) => j.id)).toEqual([forgotten?.removalJobId]);
    const late = await cli(tokens.alice, ['reviews', 'confirm', roundId, grants.forgotten.id]);
    expect(late.code).toBe(1);
    expect(late.stderr).toContain('CONFLICT');
  }, 180_000);

  it('tells an auditor who had access to the group, who granted it, who confirmed or revoked it, and who ended it', async () => {
    const res = await cli(tokens.audra, ['reviews', 'history', '--group', 'web']);
    expect(res.code, res.stderr).toBe(0);
    const items = (res.json as { items: AccessHistoryEntry[] }).items;
    const of = (k: keyof typeof grants) => items.find((e) => e.authorizationId === grants[k].id);
    expect(items).toHaveLength(3);
    expect(of('kept')).toMatchObject({
      fingerprint: keys.kept.fingerprint,
      state: 'active',
      until: null,
      grantedBy: expect.stringMatching(/^token:bootstrap-admin#/),
      reviews: [
        { roundId, decision: 'confirmed', decidedBy: expect.stringMatching(/^token:alice#/) },
      ],
    });
    expect(of('revoked')).toMatchObject({
      state: 'removed',
      until: expect.any(Number),
      endedBy: expect.stringMatching(/^token:alice#/),
      reviews: [{ decision: 'revoked' }],
    });
    expect(of('forgotten')).toMatchObject({
      state: 'removed',
      endedBy: `access-review:${roundId}`,
      reviews: [{ decision: 'unconfirmed', decidedBy: `access-review:${roundId}` }],
    });
    // The same for the host, and for a period that ended before the grants: nobody.
    const byHost = await cli(tokens.audra, ['reviews', 'history', '--host', hostId]);
    expect((byHost.json as { items: unknown[] }).items).toHaveLength(3);
    const before = await cli(tokens.audra, [
      'reviews',
      'history',
      '--group',
      'web',
      '--until',
      String(grants.kept.createdAt - 1),
    ]);
    expect((before.json as { items: unknown[] }).items).toEqual([]);
    const bad = await ctl.api<{ error: { details: { field: string } } }>(
      'GET',
      '/api/v1/reviews/access-history?groupId=web&from=yesterday',
      { token: tokens.audra },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.field).toBe('from');
    // The decisions are in the audit log with who made them.
    const audit = await ctl.api<{ items: AuditRecord[] }>(
      'GET',
      '/api/v1/audit?action=access-review.revoke',
    );
    expect(audit.body.items.map((a) => [a.subject, a.actor.split('#')[0]])).toEqual([
      [grants.revoked.id, 'token:alice'],
    ]);
  });
});
