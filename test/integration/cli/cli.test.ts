/** The real `keywarden` executable (bin/keywarden.mjs) against a real controller. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestController, type TestController } from '../../helpers/test-controller';

const BIN = path.resolve(import.meta.dirname, '../../../bin/keywarden.mjs');

function keywarden(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { PATH: process.env.PATH ?? '', ...env } },
      (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

describe('keywarden CLI', () => {
  let ctl: TestController;
  let env: Record<string, string>;
  beforeAll(async () => {
    ctl = await startTestController();
    env = { KEYWARDEN_URL: ctl.url, KEYWARDEN_TOKEN: ctl.adminToken };
  });
  afterAll(async () => ctl?.stop());

  it('runs a job, shows it as a table and as JSON', async () => {
    const run = await keywarden(['jobs', 'run', 'test-sleep', '--params', '{"ms":1}'], env);
    expect(run.code).toBe(0);
    const id = /queued: (\w+)/.exec(run.stdout)?.[1];
    expect(id).toBeDefined();
    await new Promise((r) => setTimeout(r, 300));
    const list = await keywarden(['jobs', 'list', '--type', 'test-sleep'], env);
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n')[0]).toMatch(/^ID\s+TYPE\s+STATE/);
    expect(list.stdout).toMatch(new RegExp(`${id}\\s+test-sleep\\s+completed\\s+admin`));
    const show = await keywarden(['--json', 'jobs', 'show', id!], env);
    expect(JSON.parse(show.stdout)).toMatchObject({ id, state: 'completed', result: { slept: 1 } });
  });

  it('changes a robot and prints the seed warning; lists robots and reports', async () => {
    const set = await keywarden(
      ['robots', 'set', 'internal-reporting', '--window', '01:00-05:00', '--interval', '12h'],
      env,
    );
    expect(set.code).toBe(0);
    expect(set.stdout).toContain('windowStart: null -> "01:00"');
    expect(set.stdout).toContain('intervalMs: 86400000 -> 43200000');
    expect(set.stdout).toMatch(/warning: .*unavailab/);
    const robots = await keywarden(['robots', 'list'], env);
    expect(robots.stdout).toMatch(/internal-reporting\s+\S+\s+\d\/1\s+12h\s+01:00-05:00\s+true/);
    for (const report of ['tasks', 'processes', 'running']) {
      const r = await keywarden(['reports', report], env);
      expect(r.code, r.stderr).toBe(0);
    }
  });

  it('creates and revokes tokens, and tells failures apart by exit code', async () => {
    const created = await keywarden(['--json', 'tokens', 'create', 'ci', '--role', 'auditor'], env);
    const { token, secret } = JSON.parse(created.stdout) as {
      token: { id: string };
      secret: string;
    };
    const asAuditor = { ...env, KEYWARDEN_TOKEN: secret };
    expect((await keywarden(['alerts', 'list'], asAuditor)).code).toBe(0);
    const refused = await keywarden(['jobs', 'run', 'test-sleep'], asAuditor);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('FORBIDDEN');
    expect((await keywarden(['tokens', 'revoke', token.id], env)).stdout).toContain('revoked');
    expect((await keywarden(['jobs', 'list'], asAuditor)).code).toBe(3);
    expect((await keywarden(['jobs', 'show', 'nope'], env)).code).toBe(4);
    expect(
      (await keywarden(['jobs', 'run', 'test-sleep', '--params', '{"ms":-1}'], env)).code,
    ).toBe(1);
    const usage = await keywarden(['robots', 'set', 'test-robot'], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('give --instances');
    expect(
      (
        await keywarden(['jobs', 'list'], {
          KEYWARDEN_URL: 'http://127.0.0.1:1',
          KEYWARDEN_TOKEN: 'x',
        })
      ).code,
    ).toBe(5);
  });
});
