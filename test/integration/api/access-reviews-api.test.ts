/**
 * Access reviews through the API on each store (the embedded one and the MongoDB wire
 * server), with group grants that reach no host yet: the robot opens a round on the
 * engine's clock, the owner and an admin decide, another operator is refused, and at the
 * deadline the unconfirmed grant is removed (one campaign) or alerted (the other).
 * test/integration/authorizations/access-reviews.test.ts proves the same with real logins.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  ReviewItemRecord,
  ReviewRoundRecord,
} from '../../../controller/store/access-review-records';
import type { AuthorizationRecord } from '../../../controller/store/authorization-records';
import type { AlertRecord, JobRecord } from '../../../controller/store/records';
import { generateClientKey } from '../../helpers/sshd';
import { startTestController, type TestController } from '../../helpers/test-controller';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DAY = 86_400_000;
type RoundView = {
  round: ReviewRoundRecord;
  counts: Record<string, number>;
  items: ReviewItemRecord[];
};

describe.each(['sqlite', 'mongodb'] as const)('access reviews through the API (%s)', (store) => {
  let ctl: TestController;
  let dir = '';
  let offset = 0;
  const tokens = { alice: '', bob: '' };
  const grants: AuthorizationRecord[] = [];

  /** Waits for the job to end (a generous bound, for a loaded machine and the watchdog). */
  const job = async (id: string) => {
    const until = Date.now() + 150_000;
    for (;;) {
      const j = (await ctl.api<JobRecord>('GET', `/api/v1/jobs/${id}`)).body;
      if (['completed', 'failed', 'cancelled', 'expired'].includes(j.state)) return j;
      if (Date.now() > until) throw new Error(`job ${id} did not end: ${JSON.stringify(j)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  /**
   * Runs the robot once, on the engine's clock as it is now. The robot is a singleton: a
   * run queued before the clock moved (the answer is that job) is waited for, then
   * another is started.
   */
  const runRobot = async () => {
    const since = Date.now() + offset - 1000;
    for (;;) {
      const res = await ctl.api<{ job: JobRecord }>('POST', '/api/v1/jobs', {
        body: { type: 'internal-access-reviews' },
      });
      const done = await job(res.body.job.id);
      if (done.createdAt < since) continue;
      expect(done.state, JSON.stringify(done.error)).toBe('completed');
      return done.result as {
        opened: string[];
        closed: string[];
        removed: number;
        alerted: number;
      };
    }
  };
  const campaign = async (name: string, onUnconfirmed: string) => {
    const res = await ctl.api<{ campaign: { id: string } }>('POST', '/api/v1/reviews/campaigns', {
      body: {
        name,
        groupId: 'web',
        owner: 'alice',
        periodMs: 30 * DAY,
        deadlineMs: 7 * DAY,
        onUnconfirmed,
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.campaign.id;
  };
  const decide = (round: string, authz: string, what: 'confirm' | 'revoke', token: string) =>
    ctl.api<{ item: ReviewItemRecord; jobId: string | null; error?: { code: string } }>(
      'POST',
      `/api/v1/reviews/rounds/${round}/items/${authz}/${what}`,
      { body: { note: `${what} test` }, token },
    );

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kwt-reviews-api-'));
    ctl = await startTestController({ store, clock: () => Date.now() + offset });
    // Out of the way while the clock moves; the test runs the robot itself.
    await ctl.api('PATCH', '/api/v1/robots/internal-access-reviews', {
      body: { intervalMs: 365 * DAY },
    });
    for (const name of ['alice', 'bob'] as const)
      tokens[name] = (
        await ctl.api<{ secret: string }>('POST', '/api/v1/tokens', {
          body: { name, role: 'operator' },
        })
      ).body.secret;
    await ctl.api('POST', '/api/v1/host-groups', { body: { id: 'web', name: 'web' } });
    for (const n of ['a', 'b', 'c']) {
      const key = await generateClientKey(dir, n);
      const res = await ctl.api<{ authorization: AuthorizationRecord; jobId: string }>(
        'POST',
        '/api/v1/authorizations',
        { body: { account: 'deploy', publicKey: key.publicKey, groupId: 'web' } },
      );
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      await job(res.body.jobId);
      grants.push(res.body.authorization);
    }
  }, 120_000);

  afterAll(async () => {
    await ctl?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('removes the unconfirmed grant in one campaign and alerts on it in the other', async () => {
    const [a, b, c] = grants.map((g) => g.id) as [string, string, string];
    const removing = await campaign('remove unconfirmed', 'remove');
    const alerting = await campaign('alert unconfirmed', 'alert');
    const opened = await runRobot();
    expect(opened.opened).toHaveLength(2);
    const roundOf = async (campaignId: string) =>
      (
        await ctl.api<{ items: ReviewRoundRecord[] }>(
          'GET',
          `/api/v1/reviews/rounds?campaignId=${campaignId}`,
        )
      ).body.items[0]?.id as string;
    const r1 = await roundOf(removing);
    const r2 = await roundOf(alerting);

    // Bob is an operator, not the owner.
    const refused = await decide(r1, a, 'confirm', tokens.bob);
    expect(refused.status).toBe(403);
    expect(refused.body.error?.code).toBe('FORBIDDEN');
    expect((await decide(r1, a, 'confirm', tokens.alice)).status).toBe(200);
    const revoked = await decide(r1, b, 'revoke', tokens.alice);
    expect(revoked.status, JSON.stringify(revoked.body)).toBe(200);
    expect(await job(revoked.body.jobId as string)).toMatchObject({ state: 'completed' });
    // An admin may decide in the owner's stead.
    expect((await decide(r2, a, 'confirm', ctl.adminToken)).body.item).toMatchObject({
      decision: 'confirmed',
      decidedBy: expect.stringMatching(/^token:bootstrap-admin#/),
    });
    expect((await decide(r1, 'no-such-grant', 'confirm', tokens.alice)).status).toBe(404);
    expect((await ctl.api('GET', `/api/v1/reviews/rounds/${r1}?decision=maybe`)).status).toBe(400);

    // What the robot did is read from the records, not from one run's result: on the
    // MongoDB test server an earlier run may be taken up again by the watchdog and do it.
    offset = 8 * DAY;
    await runRobot();
    for (const r of [r1, r2])
      expect(
        (await ctl.api<RoundView>('GET', `/api/v1/reviews/rounds/${r}`)).body.round,
      ).toMatchObject({ state: 'closed' });
    const view = (await ctl.api<RoundView>('GET', `/api/v1/reviews/rounds/${r1}`)).body;
    expect(view.counts).toEqual({ pending: 0, confirmed: 1, revoked: 1, unconfirmed: 1, ended: 0 });
    const removal = view.items.find((i) => i.authorizationId === c)?.removalJobId;
    expect(await job(removal as string)).toMatchObject({ state: 'completed' });
    const state = async (id: string) =>
      (await ctl.api<{ authorization: AuthorizationRecord }>('GET', `/api/v1/authorizations/${id}`))
        .body.authorization;
    expect(await state(a)).toMatchObject({ state: 'active' });
    expect(await state(b)).toMatchObject({
      state: 'removed',
      removedBy: expect.stringMatching(/^token:alice#/),
    });
    expect(await state(c)).toMatchObject({ state: 'removed', removedBy: `access-review:${r1}` });
    // The alerting campaign's round is the newer, closed first: b had ended (revoked in the
    // other round), c was still active and is alerted on.
    const alertView = (await ctl.api<RoundView>('GET', `/api/v1/reviews/rounds/${r2}`)).body;
    expect(alertView.counts).toMatchObject({ confirmed: 1, ended: 1, unconfirmed: 1 });
    const alerts = await ctl.api<{ items: AlertRecord[] }>(
      'GET',
      '/api/v1/alerts?type=access-review-unconfirmed',
    );
    expect(alerts.body.items.map((x) => x.subject)).toEqual([c]);
    // Running again changes nothing: one removal, one alert, no new round.
    await runRobot();
    const removals = (
      await ctl.api<{ items: JobRecord[] }>(
        'GET',
        '/api/v1/jobs?type=remove-authorization&limit=100',
      )
    ).body.items.filter((j) => (j.params as { authorizationId: string }).authorizationId === c);
    expect(removals.map((j) => j.id)).toEqual([removal]);
    expect(
      (
        await ctl.api<{ items: AlertRecord[] }>(
          'GET',
          '/api/v1/alerts?type=access-review-unconfirmed',
        )
      ).body.items,
    ).toHaveLength(1);
    const roundsOf = async (campaignId: string) =>
      (
        await ctl.api<{ items: ReviewRoundRecord[] }>(
          'GET',
          `/api/v1/reviews/rounds?campaignId=${campaignId}`,
        )
      ).body.items;
    expect(await roundsOf(removing)).toHaveLength(1);

    // Stopping a campaign is an admin's: no round of it opens after, the other's does.
    const stop = (token: string) =>
      ctl.api<{ campaign: { stoppedBy: string | null; nextRoundAt: number | null } }>(
        'POST',
        `/api/v1/reviews/campaigns/${removing}/stop`,
        { token },
      );
    expect((await stop(tokens.alice)).status).toBe(403);
    const stopped = await stop(ctl.adminToken);
    expect(stopped.status).toBe(200);
    expect(stopped.body.campaign).toMatchObject({
      nextRoundAt: null,
      stoppedBy: expect.stringMatching(/^token:bootstrap-admin#/),
    });
    expect((await stop(ctl.adminToken)).status).toBe(409);
    offset = 31 * DAY;
    await runRobot();
    expect(await roundsOf(alerting)).toHaveLength(2);
    expect(await roundsOf(removing)).toHaveLength(1);
  }, 400_000);
});
