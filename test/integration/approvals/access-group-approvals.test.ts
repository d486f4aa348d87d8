/**
 * Access-group grants to a host group with an approval policy wait like an admin's: the
 * processing asks once per grant (not at every run), makes the grant only once approved,
 * and cancels the request of someone who left the group before it was decided.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApprovalRequestRecord } from '../../../controller/store/approval-records';
import type { PersonRecord } from '../../../controller/store/directory-records';
import { NO_OVERRIDES } from '../../../controller/store/host-records';
import { startSmtpTestServer, type SmtpTestServer } from '../../helpers/smtp-test-server';
import { startTestController, type TestController } from '../../helpers/test-controller';
import { fleetApi, waitFor } from '../authorizations/authorization-fleet';
import { approvalMail, SMTP_PASSWORD, useSmtp } from './approval-fixture';

type ApprovalView = ApprovalRequestRecord & { kind: string; personId?: string };
const T = Date.now();
const person = (id: string, key: string, fingerprint: string): PersonRecord => ({
  id,
  directoryId: `uuid-${id}`,
  dn: `uid=${id},ou=people,dc=example,dc=test`,
  uid: id,
  name: `Person ${id}`,
  email: `${id}@example.test`,
  state: 'active',
  keys: [{ publicKey: key, fingerprint, source: 'api' }],
  groups: ['web-admins'],
  createdAt: T,
  updatedAt: T,
  leftAt: null,
});
const DAVE_KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDq9Ld6G1n3uuQ8uYx0c6s4zQKJv0bO5Q4wq0o0Ym1Xk dave';
const ERIN_KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcH erin';

describe('access-group grants that need approval', { timeout: 120_000 }, () => {
  let smtp: SmtpTestServer;
  let ctl: TestController;
  let bobToken = '';
  const api = fleetApi(() => ctl);
  const process = async () => {
    const job = await api.runJob('access-groups-processing', null, {});
    expect(job.state, JSON.stringify(job.error)).toBe('completed');
    return job.result as { granted: number; awaitingApproval?: number };
  };
  const requests = async () =>
    (await ctl.api<{ items: ApprovalView[] }>('GET', '/api/v1/approvals')).body.items;

  beforeAll(async () => {
    smtp = await startSmtpTestServer({ username: 'kw-mailer', password: SMTP_PASSWORD });
    ctl = await startTestController();
    await useSmtp(ctl, smtp);
    const s = ctl.services.store;
    await s.hostGroups.create(
      { id: 'web', name: 'web', description: 'test group', scanIntervalsMs: NO_OVERRIDES },
      Date.now(),
    );
    await s.directory.putPerson(person('dave', DAVE_KEY, 'SHA256:dave'));
    await s.directory.putPerson(person('erin', ERIN_KEY, 'SHA256:erin'));
    await s.directory.addAccessGroup({
      id: 'web-admins-web',
      directoryGroup: 'web-admins',
      hostGroupId: 'web',
      account: 'deploy',
      options: [],
      createdBy: 'test',
      createdAt: Date.now(),
    });
    const { body } = await ctl.api<{ secret: string }>('POST', '/api/v1/tokens', {
      body: { name: 'bob', role: 'operator' },
    });
    bobToken = body.secret;
    const policy = await ctl.api('PUT', '/api/v1/approval-policies/web', {
      body: { approvers: [{ name: 'bob', email: 'bob@example.test' }] },
    });
    expect(policy.status, JSON.stringify(policy.body)).toBe(200);
  });
  afterAll(async () => {
    await ctl?.stop();
    await smtp?.close();
  });

  it('asks once per member key and grants nothing meanwhile', async () => {
    expect(await process()).toMatchObject({ granted: 0, awaitingApproval: 2 });
    expect(await process()).toMatchObject({ granted: 0, awaitingApproval: 2 });
    const all = await requests();
    expect(all.map((r) => [r.kind, r.personId, r.state]).sort()).toEqual([
      ['access-grant', 'dave', 'pending'],
      ['access-grant', 'erin', 'pending'],
    ]);
    await approvalMail(smtp, all[0]?.id as string, 'bob@example.test');
    expect(await ctl.services.store.directory.listGrants()).toEqual([]);
    const auths = await ctl.api<{ items: unknown[] }>('GET', '/api/v1/authorizations');
    expect(auths.body.items).toEqual([]);
  });

  it('grants once approved, and cancels the request of someone who left the group', async () => {
    const dave = (await requests()).find((r) => r.personId === 'dave') as ApprovalView;
    const erin = (await requests()).find((r) => r.personId === 'erin') as ApprovalView;
    const ok = await ctl.api('POST', `/api/v1/approvals/${dave.id}/approve`, { token: bobToken });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    const grant = await waitFor('dave granted', async () => {
      const [g] = await ctl.services.store.directory.listGrants({ personId: 'dave' });
      return g ?? null;
    });
    const shown = await ctl.services.store.approvals.getRequest(dave.id);
    expect(shown?.outcome?.authorizationId).toBe(grant.authorizationId);

    await ctl.services.store.directory.putPerson({
      ...person('erin', ERIN_KEY, 'SHA256:erin'),
      groups: [],
    });
    expect(await process()).toMatchObject({ granted: 0 });
    expect((await ctl.services.store.approvals.getRequest(erin.id))?.state).toBe('cancelled');
    const late = await ctl.api('POST', `/api/v1/approvals/${erin.id}/approve`, { token: bobToken });
    expect(late.status).toBe(403);
    expect(await ctl.services.store.directory.listGrants({ personId: 'erin' })).toEqual([]);
  });
});
