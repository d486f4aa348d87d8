/**
 * PUT /api/v1/hosts/:id/group moves one host between groups: its group grants follow at
 * once (the removal of the old group's grant and the placing of the new group's are queued
 * by the request itself), as the batch move-group does, not at the host's next scan.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostRecord } from '../../../controller/store/host-records';
import type { AuthorizationRecord } from '../../../controller/store/authorization-records';
import type { JobRecord } from '../../../controller/store/records';
import { parsePublicKeyLine } from '../../../shared/ssh/public-key';
import { startTestController, type TestController } from '../../helpers/test-controller';

const PUBLIC_KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';
const parsed = parsePublicKeyLine(PUBLIC_KEY);
const FINGERPRINT = parsed.ok ? parsed.key.sha256 : '';

describe('moving one host between groups through the API', () => {
  let ctl: TestController;

  beforeAll(async () => {
    ctl = await startTestController();
    // Host scans would queue work of their own: only the request's jobs are looked at.
    await ctl.api('PATCH', '/api/v1/robots/internal-scheduler', { body: { enabled: false } });
  }, 120_000);
  afterAll(async () => ctl?.stop());

  it('queues the removal of the old group grant and the placing of the new one at once', async () => {
    const { store } = ctl.services;
    const group = async (name: string) =>
      (await ctl.api<{ id: string }>('POST', '/api/v1/host-groups', { body: { name } })).body.id;
    const web = await group('web');
    const db = await group('db');
    const host: HostRecord = await store.hosts.create(
      {
        name: 'moving-host',
        // TEST-NET: the queued jobs may run and fail to connect; only their queueing counts.
        address: '192.0.2.44',
        port: 22,
        kind: 'agentless',
        state: 'managed',
        hostKeyFingerprint: null,
        managementAccount: 'mgmt',
        agentId: null,
        os: null,
        sshProduct: null,
        lastSeenAt: null,
      },
      Date.now(),
    );
    await store.hosts.update(host.id, { groupId: web }, Date.now());
    const now = Date.now();
    const grant = (id: string, groupId: string): AuthorizationRecord => ({
      id,
      fingerprint: FINGERPRINT,
      publicKey: PUBLIC_KEY,
      source: { kind: 'public-key' },
      account: 'deploy',
      target: { groupId },
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
    await store.authorizations.create(grant('grant-web', web));
    await store.authorizations.create(grant('grant-db', db));
    await store.authorizations.putPlacement({
      authorizationId: 'grant-web',
      hostId: host.id,
      account: 'deploy',
      fingerprint: FINGERPRINT,
      options: [],
      state: 'present',
      jobId: null,
      confirmedAt: now,
      error: null,
      updatedAt: now,
    });

    const moved = await ctl.api<{ authorizations: { joined: string[]; left: string[] } }>(
      'PUT',
      `/api/v1/hosts/${host.id}/group`,
      { body: { groupId: db } },
    );
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(moved.body.authorizations).toEqual({ joined: ['grant-db'], left: ['grant-web'] });

    const left = await store.authorizations.getPlacement('grant-web', host.id);
    // The jobs may already have run (and failed to reach the TEST-NET host): what counts is
    // that the request queued them and the placements point at them.
    expect(left?.state).not.toBe('present');
    expect(left?.jobId).toEqual(expect.any(String));
    const removal = await ctl.api<JobRecord>('GET', `/api/v1/jobs/${left?.jobId ?? ''}`);
    expect(removal.body).toMatchObject({
      type: 'remove-authorized-key',
      hostId: host.id,
      params: { authorizationId: 'grant-web', account: 'deploy', fingerprint: FINGERPRINT },
    });
    const joined = await store.authorizations.getPlacement('grant-db', host.id);
    expect(joined?.jobId).toEqual(expect.any(String));
    const placing = await ctl.api<JobRecord>('GET', `/api/v1/jobs/${joined?.jobId ?? ''}`);
    expect(placing.body).toMatchObject({
      type: 'add-authorized-key',
      hostId: host.id,
      params: { authorizationId: 'grant-db', account: 'deploy' },
    });

    // Moving it to where it is changes nothing and queues nothing.
    const again = await ctl.api<{ authorizations: { joined: string[]; left: string[] } }>(
      'PUT',
      `/api/v1/hosts/${host.id}/group`,
      { body: { groupId: db } },
    );
    expect(again.body.authorizations).toEqual({ joined: [], left: [] });
  }, 60_000);
});
