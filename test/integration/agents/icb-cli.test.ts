/**
 * `keywarden icb create` (the real bin/keywarden.mjs) against a real controller: the
 * file it writes is a signed ICB a new agent enrolls with, in the host group and with
 * the expiry asked for, and the job record auditors can read holds neither its
 * enrollment token nor its signature; bad input and an existing file are refused.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_OVERRIDES } from '../../../controller/store/host-records';
import { readIcb, type IcbFile } from '../../../shared/proto/icb-format';
import { freePort, spawnAgent } from '../../helpers/agent-processes';
import { startTestController, type TestController } from '../../helpers/test-controller';

const BIN = path.resolve(import.meta.dirname, '../../../bin/keywarden.mjs');

function keywarden(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { PATH: process.env.PATH ?? '', ...env } },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('keywarden icb create', () => {
  let ctl: TestController;
  let env: Record<string, string>;
  let work: string;
  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'kw-icb-cli-'));
    ctl = await startTestController({
      env: {
        KEYWARDEN_GRPC_ADDR: `127.0.0.1:${await freePort()}`,
        KEYWARDEN_ENROLL_ADDR: `127.0.0.1:${await freePort()}`,
        KEYWARDEN_AGENT_ADVERTISE: '127.0.0.1',
      },
    });
    env = { KEYWARDEN_URL: ctl.url, KEYWARDEN_TOKEN: ctl.adminToken };
    await ctl.services.store.hostGroups.create(
      { id: 'web', name: 'web', description: '', scanIntervalsMs: NO_OVERRIDES },
      Date.now(),
    );
  });
  afterAll(async () => {
    await ctl?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('writes a signed ICB (owner-only file) that enrolls an agent into the host group, and keeps its token out of the job record auditors read', async () => {
    const file = path.join(work, 'agent.icb');
    const before = Date.now();
    const res = await keywarden(
      ['icb', 'create', '--out', file, '--host-group', 'web', '--expires-in', '2h'],
      env,
    );
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^ICB icb_\w+ written to .*agent\.icb \(single use, expires /);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const payload = await readIcb(readFileSync(file, 'utf8'));
    expect(payload.groupId).toBe('web');
    expect(payload.expiresAt).toBeGreaterThanOrEqual(before + 2 * 3_600_000);
    expect(payload.expiresAt).toBeLessThan(Date.now() + 2 * 3_600_000 + 1000);

    const enroll = spawnAgent(['enroll', '--icb', file, '--state-dir', path.join(work, 'st')]);
    expect(await enroll.exited, enroll.output()).toBe(0);
    const agentId = /enrolled as (agt_\w+)/.exec(enroll.output())?.[1];
    const agent = await ctl.services.store.agentFleet.agents.get(agentId!);
    expect(agent?.groupId).toBe('web');

    // Job records are plain text in the store and readable by auditors; the ICB's
    // enrollment token (and the signed ICB as a whole) must not be in them.
    const icb = JSON.parse(readFileSync(file, 'utf8')) as IcbFile;
    expect(icb.payload.enrollmentToken.length).toBeGreaterThan(20);
    const minted = await ctl.api<{ secret: string }>('POST', '/api/v1/tokens', {
      body: { name: 'icb-auditor', role: 'auditor' },
    });
    expect(minted.status).toBe(201);
    const asAuditor = async (p: string) => {
      const r = await fetch(`${ctl.url}${p}`, {
        headers: { authorization: `Bearer ${minted.body.secret}` },
      });
      expect(r.status, p).toBe(200);
      return r.text();
    };
    const list = await asAuditor('/api/v1/jobs?type=create-icb&limit=500');
    const job = (
      JSON.parse(list) as { items: Array<{ id: string; result: { icbId?: string } | null }> }
    ).items.find((j) => j.result?.icbId === payload.icbId);
    expect(job, 'the create-icb job of this ICB').toBeDefined();
    const shown = await asAuditor(`/api/v1/jobs/${job!.id}`);
    expect((JSON.parse(shown) as { result: unknown }).result).toMatchObject({
      icbId: payload.icbId,
      expiresAt: payload.expiresAt,
    });
    const stored = JSON.stringify(await ctl.services.store.jobs.get(job!.id));
    for (const text of [shown, list, stored]) {
      expect(text).not.toContain(icb.payload.enrollmentToken);
      expect(text).not.toContain(icb.signature);
    }
  });

  it('refuses create-icb as a plain job: only POST /api/v1/icb can hand its ICB out', async () => {
    const res = await ctl.api<{ error: { code: string; message: string } }>(
      'POST',
      '/api/v1/jobs',
      { body: { type: 'create-icb', params: {} } },
    );
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'INVALID_INPUT' });
    expect(res.body.error.message).toContain('create-icb');
  });

  it('prints JSON with --json', async () => {
    const file = path.join(work, 'json.icb');
    const res = await keywarden(['--json', 'icb', 'create', '--out', file], env);
    expect(res.code, res.stderr).toBe(0);
    const data = JSON.parse(res.stdout) as { icbId: string; file: string; expiresAt: number };
    expect(data).toMatchObject({ icbId: expect.stringMatching(/^icb_/), file });
    expect((await readIcb(readFileSync(file, 'utf8'))).icbId).toBe(data.icbId);
  });

  it('refuses a missing --out, a bad duration, an unknown group and an existing file', async () => {
    const noOut = await keywarden(['icb', 'create'], env);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toMatch(/--out FILE is required/);
    const badDuration = await keywarden(
      ['icb', 'create', '--out', path.join(work, 'x.icb'), '--expires-in', 'soon'],
      env,
    );
    expect(badDuration.code).toBe(2);
    expect(badDuration.stderr).toMatch(/--expires-in: expected a duration/);
    const noGroup = await keywarden(
      ['icb', 'create', '--out', path.join(work, 'y.icb'), '--host-group', 'nope'],
      env,
    );
    expect(noGroup.code).toBe(1);
    expect(noGroup.stderr).toMatch(/host group nope does not exist/);
    const existing = path.join(work, 'existing.icb');
    writeFileSync(existing, 'keep me');
    const clobber = await keywarden(['icb', 'create', '--out', existing], env);
    expect(clobber.code).toBe(1);
    expect(clobber.stderr).toMatch(/already exists; not overwritten/);
    expect(readFileSync(existing, 'utf8')).toBe('keep me');
  });
});
