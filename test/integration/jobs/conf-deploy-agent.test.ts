/**
 * A config deploy on an agent host: the agent runs the same checked deployment locally
 * (no login check: the agent does not reach its host through sshd), and a check plus a
 * reload confirm the content, so deploying it again is `unchanged` with no reload. Only
 * on a managed host: a monitored one refuses the deploy.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgentCluster, type AgentCluster } from '../../helpers/agent-cluster';

describe('sshd config deploys on an agent host', () => {
  const reloads = path.join(mkdtempSync(path.join(tmpdir(), 'kwt-reloads-')), 'reloads');
  const reloadCommand = ['sh', '-c', `echo reload >> '${reloads}'`];
  let cluster: AgentCluster;
  beforeAll(async () => {
    // The test's reload only counts; an admin allows it as the host's reload command.
    cluster = await startAgentCluster({
      env: { KEYWARDEN_ALLOWED_RELOAD_COMMANDS: JSON.stringify([reloadCommand]) },
    });
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  const run = (type: string, params: Record<string, unknown>) => cluster.runJob(type, params);

  it('refuses it on a monitored host; on a managed one a check and a reload confirm it, and the same content again is left alone', async () => {
    const agent = await cluster.addAgent('deploy');
    const real = (p: string) => path.join(agent.hostRoot, p);
    mkdirSync(real('/etc/ssh'), { recursive: true });
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', real('/etc/ssh/host_key')]);
    const base = `Port 2222\nHostKey ${real('/etc/ssh/host_key')}\n`;
    writeFileSync(real('/etc/ssh/sshd_config'), base);
    agent.start();
    const hostId = await agent.hostId();
    const deploy = {
      hostId,
      content: `${base}MaxAuthTries 4\n`,
      reloadCommand,
    };
    const count = () => {
      try {
        return readFileSync(reloads, 'utf8').split('\n').filter(Boolean).length;
      } catch {
        return 0;
      }
    };

    expect(await run('conf-deploy-host', deploy)).toMatchObject({
      state: 'failed',
      error: { code: 'HOST_NOT_MANAGED' },
    });
    expect(readFileSync(real('/etc/ssh/sshd_config'), 'utf8')).toBe(base);

    await cluster.manageHost(hostId);

    const first = await run('conf-deploy-host', deploy);
    expect(first.state, JSON.stringify(first.error)).toBe('completed');
    expect(first.result).toMatchObject({
      status: 'applied',
      written: true,
      reloaded: true,
      loginChecked: false,
      confirmed: true,
    });
    expect(readFileSync(real('/etc/ssh/sshd_config'), 'utf8')).toBe(deploy.content);
    expect(count()).toBe(1);

    const again = await run('conf-deploy-host', deploy);
    expect(again).toMatchObject({ state: 'completed', result: { status: 'unchanged' } });
    expect(count()).toBe(1);
  }, 120_000);
});
