/**
 * Batch listings as an operator runs them: `keywarden hosts list --batch` and `keys list
 * --batch` run a listing-job on a real controller that writes the file (not world-readable),
 * reporting progress, and `keywarden jobs download` fetches it; a role that may not read
 * what is listed can neither start nor download it.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { listingPath } from '../../../controller/listings/listing-file';
import { startTestController, type TestController } from '../../helpers/test-controller';
import { KEYS, fillReportingFleet, type ReportingFleet } from './reporting-fleet';

type Job = { id: string; state: string; progress: unknown; result: Record<string, unknown> };

describe.each(['sqlite', 'mongodb'] as const)('batch listings (%s)', (storeKind) => {
  let ctl: TestController;
  let fleet: ReportingFleet;
  let dir: string;
  beforeAll(async () => {
    ctl = await startTestController({ store: storeKind });
    fleet = await fillReportingFleet(ctl);
    dir = await mkdtemp(path.join(tmpdir(), 'kw-listing-'));
    // A host whose name a spreadsheet would run as a formula, and one with a comma.
    await ctl.services.store.hosts.create(
      {
        id: 'h-odd',
        name: '=HYPERLINK("x"),evil',
        address: '127.0.0.1',
        port: 22,
        kind: 'agent',
        state: 'managed',
        hostKeyFingerprint: null,
        managementAccount: null,
        agentId: null,
        os: null,
        sshProduct: null,
        lastSeenAt: null,
      },
      Date.now(),
    );
  }, 120_000);
  afterAll(async () => {
    await ctl?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const finished = async (id: string) => {
    await vi.waitFor(
      async () => {
        const j = await ctl.api<Job>('GET', `/api/v1/jobs/${id}`);
        expect(j.body.state).toBe('completed');
      },
      { timeout: 30_000, interval: 100 },
    );
    return (await ctl.api<Job>('GET', `/api/v1/jobs/${id}`)).body;
  };

  it('lists hosts to a CSV file from the CLI, with progress, and downloads it', async () => {
    const out = path.join(dir, 'hosts.csv');
    const res = await fleet.keywarden(
      ['hosts', 'list', '--batch', '--format', 'csv', '--wait', '--out', out],
      fleet.tokens.auditor,
    );
    expect(res.stderr).toMatch(/hosts: \d+ rows/);
    expect(res.stdout).toMatch(new RegExp(`4 hosts written to ${out} \\(\\d+ bytes\\)`));
    const csv = await readFile(out, 'utf8');
    const lines = csv.trimEnd().split('\n');
    expect(lines[0]).toBe('id,name,address,port,kind,state,groupId,os,sshProduct,lastSeenAt');
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual([
      'h-db1',
      'h-odd',
      'h-web1',
      'h-web2',
    ]);
    expect(lines).toContain('h-web1,web1.example.com,127.0.0.1,22,agent,managed,web,,,');
    // Quoted, and prefixed so no spreadsheet runs it.
    expect(csv).toContain(`h-odd,"'=HYPERLINK(""x""),evil",127.0.0.1`);
    expect((await stat(out)).mode & 0o777).toBe(0o600);
  });

  it('writes the file on the controller readable by its owner only, and keys as JSON', async () => {
    const started = await ctl.api<{ job: Job }>('POST', '/api/v1/listings', {
      body: { object: 'keys', format: 'json', filter: { type: 'ssh-rsa' } },
      token: fleet.tokens.auditor,
    });
    expect(started.status).toBe(202);
    const job = await finished(started.body.job.id);
    expect(job.result).toMatchObject({ object: 'keys', rows: 2, truncated: false });
    expect(job.progress).toEqual({ rows: 2 });
    const file = listingPath(ctl.services.config.dataDir, job.id, 'json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(file))).mode & 0o777).toBe(0o700);
    const dl = await ctl.api<Array<Record<string, unknown>>>('GET', `/api/v1/jobs/${job.id}/file`, {
      token: fleet.tokens.auditor,
    });
    expect(dl.status).toBe(200);
    expect(dl.headers.get('content-type')).toContain('application/json');
    expect(dl.body.map((k) => [k.fingerprint, k.bits])).toEqual([
      [KEYS.rsa1024, 1024],
      [KEYS.rsa4096, 4096],
    ]);
    const cli = await fleet.keywarden([
      'jobs',
      'download',
      job.id,
      '--out',
      path.join(dir, 'k.json'),
    ]);
    expect(cli.stdout).toMatch(/saved \d+ bytes to .*k\.json/);
    expect(JSON.parse(await readFile(path.join(dir, 'k.json'), 'utf8'))).toHaveLength(2);
  });

  it('keeps a listing from a role that may not read it, starting or downloading', async () => {
    const refused = await ctl.api<{ error: { code: string; message: string } }>(
      'POST',
      '/api/v1/listings',
      {
        body: { object: 'tokens' },
        token: fleet.tokens.operator,
      },
    );
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain('listing tokens needs the admin role');
    const started = await ctl.api<{ job: Job }>('POST', '/api/v1/listings', {
      body: { object: 'tokens' },
    });
    const job = await finished(started.body.job.id);
    const denied = await ctl.api('GET', `/api/v1/jobs/${job.id}/file`, {
      token: fleet.tokens.auditor,
    });
    expect(denied.status).toBe(403);
    const csv = await ctl.api<string>('GET', `/api/v1/jobs/${job.id}/file`);
    expect(csv.body).toContain('id,name,role,createdAt,createdBy,revokedAt');
    expect(csv.body).toContain(',auditor,');
    expect(csv.body).not.toMatch(/secret|[0-9a-f]{64}/i);
    // Not a listing job, and not startable through the jobs route.
    expect((await ctl.api('GET', '/api/v1/jobs/nope/file')).status).toBe(404);
    const direct = await ctl.api('POST', '/api/v1/jobs', {
      body: { type: 'listing-job', params: {} },
    });
    expect(direct.status).toBe(400);
    const badState = await ctl.api<{ error: { message: string } }>('POST', '/api/v1/listings', {
      body: { object: 'hosts', filter: { state: 'sleeping' } },
    });
    expect(badState.status).toBe(400);
    expect(badState.body.error.message).toContain('filter.state');
  });
});

describe('a batch listing longer than listingMaxRows', () => {
  it('stops at the bound and says it was cut', async () => {
    const ctl = await startTestController({ env: { KEYWARDEN_LISTING_MAX_ROWS: '2' } });
    try {
      await fillReportingFleet(ctl);
      const started = await ctl.api<{ job: Job }>('POST', '/api/v1/listings', {
        body: { object: 'hosts', format: 'json' },
      });
      await vi.waitFor(
        async () =>
          expect((await ctl.services.store.jobs.get(started.body.job.id))?.state).toBe('completed'),
        { timeout: 30_000, interval: 100 },
      );
      const job = await ctl.services.store.jobs.get(started.body.job.id);
      expect(job?.result).toMatchObject({ rows: 2, truncated: true });
      const file = await ctl.api<unknown[]>('GET', `/api/v1/jobs/${started.body.job.id}/file`);
      expect(file.body).toHaveLength(2);
    } finally {
      await ctl.stop();
    }
  });
});
