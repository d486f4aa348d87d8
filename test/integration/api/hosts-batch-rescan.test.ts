/**
 * POST /api/v1/hosts/batch with action rescan queues a host scan per host. scanType names
 * the scan: any other job type (a purge, a key removal) would run once per host with no
 * params, so the batch refuses it, naming the field and the scans there are.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestController, type TestController } from '../../helpers/test-controller';
import { newHost } from '../store/contract-hosts';

type Job = { id: string; state: string; error: { code: string; details?: unknown } | null };

describe('batch rescan', () => {
  let ctl: TestController;
  beforeAll(async () => {
    ctl = await startTestController({ store: 'sqlite' });
    await ctl.services.store.hosts.create(newHost('h-batch'), Date.now());
  });
  afterAll(async () => ctl?.stop());

  const batch = async (scanType: string) => {
    const r = await ctl.api<{ jobId: string }>('POST', '/api/v1/hosts/batch', {
      body: { action: 'rescan', hostIds: ['h-batch'], scanType },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    for (let i = 0; i < 400; i++) {
      const job = (await ctl.api<Job>('GET', `/api/v1/jobs/${r.body.jobId}`)).body;
      if (['completed', 'failed'].includes(job.state)) return job;
      await new Promise((res) => setTimeout(res, 25));
    }
    throw new Error(`batch ${r.body.jobId} did not end`);
  };

  it('refuses a scanType that is not a host scan', async () => {
    const job = await batch('internal-purge-jobs');
    expect(job.state).toBe('failed');
    expect(job.error).toMatchObject({
      code: 'INVALID_INPUT',
      details: { field: 'scanType', value: 'internal-purge-jobs' },
    });
    const purges = await ctl.services.store.jobs.list(
      { type: ['internal-purge-jobs'], hostId: 'h-batch' },
      { limit: 10 },
    );
    expect(purges.items).toEqual([]);
  });
});
