/**
 * What an operator may make a host run as root is what an admin configured: another sshd
 * program, reload command or config path is refused with 403 naming the setting, at the
 * API and again when a job queued some other way runs (before the host is reached).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestController, type TestController } from '../../helpers/test-controller';

type Err = { error: { code: string; message: string; details?: Record<string, unknown> } };
type Job = {
  id: string;
  type: string;
  state: string;
  error: { code: string; message: string } | null;
};

/** A host nobody listens on: a job that got as far as connecting fails HOST_UNREACHABLE. */
const nowhere = {
  host: '127.0.0.1',
  port: 9,
  username: 'root',
  password: 'not-used',
  hostKeyFingerprint: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
};

describe('host commands are limited to the configured allow-lists', () => {
  let ctl: TestController;
  let operator = '';
  const start = (type: string, params: unknown, token = operator) =>
    ctl.api<Err & { job: Job }>('POST', '/api/v1/jobs', { token, body: { type, params } });

  beforeAll(async () => {
    ctl = await startTestController();
    operator = (
      await ctl.api<{ secret: string }>('POST', '/api/v1/tokens', {
        body: { name: 'ops', role: 'operator' },
      })
    ).body.secret;
  });
  afterAll(async () => ctl?.stop());

  it('refuses with 403 naming the setting, for operators and admins alike, and queues nothing', async () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
      [
        'conf-deploy-host',
        { connection: nowhere, content: 'Port 22\n', reloadCommand: ['rm', '-rf', '/'] },
        'reloadCommand ["rm","-rf","/"] is not in settings.allowedReloadCommands (KEYWARDEN_ALLOWED_RELOAD_COMMANDS)',
      ],
      [
        'conf-deploy-host',
        { connection: nowhere, content: 'x\n', sshdBinary: '/bin/sh' },
        'sshdBinary "/bin/sh" is not in settings.allowedSshdBinaries',
      ],
      [
        'conf-deploy',
        { targets: [{ connection: nowhere }], content: 'x\n', path: '/etc/cron.d/x' },
        'path "/etc/cron.d/x" is not in settings.allowedSshdConfigPaths',
      ],
      [
        'conf-deploy-host',
        { connection: nowhere, content: 'x\n', path: '/etc/ssh/sshd_config.d/../../shadow' },
        'path "/etc/ssh/sshd_config.d/../../shadow" is not in settings.allowedSshdConfigPaths',
      ],
      [
        'conf-deploy-host',
        { connection: nowhere, content: 'x\n', mainConfigPath: '/etc/shadow' },
        'mainConfigPath "/etc/shadow" is not in settings.allowedSshdConfigPaths',
      ],
      [
        'scan-configs',
        { connection: nowhere, sshdBinary: '/tmp/sshd' },
        'sshdBinary "/tmp/sshd" is not in settings.allowedSshdBinaries',
      ],
      [
        'scan-full',
        { connection: nowhere, sshdConfigPath: '/etc/shadow' },
        'sshdConfigPath "/etc/shadow" is not in settings.allowedSshdConfigPaths',
      ],
      [
        'remove-private-key',
        { connection: nowhere, path: '/etc/passwd' },
        'path "/etc/passwd" is not a private key the inventory recorded on host ssh:127.0.0.1:9',
      ],
    ];
    for (const [type, params, message] of cases) {
      for (const token of [operator, ctl.adminToken]) {
        const r = await start(type, params, token);
        expect(r.status, `${type} ${JSON.stringify(params)}`).toBe(403);
        expect(r.body.error.code).toBe('FORBIDDEN');
        expect(r.body.error.message).toContain(message);
      }
    }
    const types = cases.map(([type]) => type).join(',');
    const jobs = await ctl.api<{ items: Job[] }>('GET', `/api/v1/jobs?type=${types}`);
    expect(jobs.body.items).toEqual([]);
  });

  it('accepts what the settings allow', async () => {
    const ok = await start('conf-deploy-host', {
      connection: nowhere,
      content: 'PasswordAuthentication no\n',
      path: '/etc/ssh/sshd_config.d/50-keywarden.conf',
      mainConfigPath: '/etc/ssh/sshd_config',
      sshdBinary: '/usr/sbin/sshd',
      reloadCommand: ['systemctl', 'reload', 'ssh'],
    });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
  });

  it('refuses again when a job queued without the API runs, before the host is reached', async () => {
    const queue = ctl.services.queue;
    const enqueue = async (type: string, params: unknown) =>
      (await queue.enqueueByName(type, params, { createdBy: 'robot:test', trigger: 'system' })).job
        .id;
    const ids = [
      await enqueue('conf-deploy-host', {
        connection: nowhere,
        content: 'x\n',
        reloadCommand: ['sh', '-c', 'id'],
      }),
      await enqueue('scan-configs', { connection: nowhere, sshdBinary: '/bin/sh' }),
      await enqueue('remove-private-key', { connection: nowhere, path: '/etc/passwd' }),
      // Every host job is checked when it runs (defineHostJob), not only those that once
      // called the check themselves: scan-authorized-keys and the key edits did not.
      await enqueue('scan-authorized-keys', { connection: nowhere, sshdConfigPath: '/etc/shadow' }),
      await enqueue('set-authorized-key-options', {
        connection: nowhere,
        account: 'root',
        fingerprint: `SHA256:${'A'.repeat(43)}`,
        options: [],
        sshdConfigPath: '/tmp/evil_config',
      }),
    ];
    for (const id of ids) {
      let job: Job | undefined;
      for (let i = 0; i < 400 && !['failed', 'completed'].includes(job?.state ?? ''); i++) {
        job = (await ctl.api<Job>('GET', `/api/v1/jobs/${id}`)).body;
        if (!['failed', 'completed'].includes(job.state))
          await new Promise((r) => setTimeout(r, 50));
      }
      expect(job?.state).toBe('failed');
      // FORBIDDEN, not HOST_UNREACHABLE: the check came before any connection.
      expect(job?.error?.code, job?.error?.message).toBe('FORBIDDEN');
    }
  });
});
