/**
 * "No management key yet" is a state only discovery changes: retrying the job cannot help.
 * A real controller runs renew-mgmt-key on an agentless host that was never discovered;
 * the job fails at its first attempt as NO_CREDENTIAL, not queued for two more attempts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobRecord } from '../../../controller/store/records';
import { startTestController, type TestController } from '../../helpers/test-controller';

let ctl: TestController;
beforeAll(async () => {
  ctl = await startTestController();
});
afterAll(() => ctl?.stop());

describe('a host with no management key yet', () => {
  it('fails renew-mgmt-key at once with NO_CREDENTIAL, not retried', async () => {
    const { store } = ctl.services;
    await store.hosts.createMany(
      [
        {
          id: 'never-discovered',
          name: 'never-discovered.example',
          address: '127.0.0.1',
          port: 22,
          kind: 'agentless',
          state: 'managed',
          hostKeyFingerprint: null,
          managementAccount: 'kw',
          agentId: null,
          os: null,
          sshProduct: null,
          lastSeenAt: null,
        },
      ],
      Date.now(),
    );
    const started = await ctl.api<{ job: { id: string } }>('POST', '/api/v1/jobs', {
      body: { type: 'renew-mgmt-key', hostId: 'never-discovered' },
    });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const id = started.body.job.id;
    let job: JobRecord | null = null;
    for (const until = Date.now() + 30_000; Date.now() < until;) {
      job = await store.jobs.get(id);
      if (job?.error) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(job).toMatchObject({
      state: 'failed',
      attempts: 1,
      error: { code: 'NO_CREDENTIAL', retryable: false },
    });
    expect(job?.error?.message).toMatch(/no management key yet: discover it first/);
  });
});
