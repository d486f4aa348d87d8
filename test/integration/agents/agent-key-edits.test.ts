/**
 * Edits on an agent host: the edit jobs travel to the agent as typed messages and run
 * there through the same host operations as on agentless hosts.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgentCluster, type AgentCluster } from '../../helpers/agent-cluster';

describe('edits on an agent host', () => {
  let cluster: AgentCluster;
  beforeAll(async () => {
    cluster = await startAgentCluster();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  const run = async (type: string, params: Record<string, unknown>) => {
    const res = await cluster.api<{ job: { id: string } }>('POST', '/api/v1/jobs', {
      type,
      params,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return cluster.waitForJob(res.body.job.id, ['completed', 'failed']);
  };

  it('generates and removes a private key through the agent', async () => {
    const agent = await cluster.addAgent('edits');
    const passwd = readFileSync(path.join(agent.hostRoot, 'etc/passwd'), 'utf8');
    const alice = passwd
      .split('\n')
      .find((l) => l.startsWith('alice:'))!
      .split(':');
    const home = path.join(agent.hostRoot, 'home/alice');
    mkdirSync(home, { recursive: true });
    chownSync(home, Number(alice[2]), Number(alice[3]));
    agent.start();
    const hostId = await agent.hostId();
    const generated = await run('generate-private-key', {
      hostId,
      account: 'alice',
      policy: { type: 'ed25519' },
      comment: 'made-by-agent',
    });
    expect(generated.state, JSON.stringify(generated.error)).toBe('completed');
    const key = path.join(agent.hostRoot, 'home/alice/.ssh/id_ed25519');
    expect(statSync(key).mode & 0o777).toBe(0o600);
    expect(statSync(key).uid).toBe(Number(alice[2]));
    // OpenSSH agrees with what the job reports about the key it made.
    const printed = execFileSync('ssh-keygen', ['-l', '-f', `${key}.pub`], { encoding: 'utf8' });
    expect(JSON.stringify(generated.result)).toContain(printed.split(' ')[1]!);
    expect(printed).toContain('made-by-agent');

    const removed = await run('remove-private-key', {
      hostId,
      path: '/home/alice/.ssh/id_ed25519',
    });
    expect(removed.state, JSON.stringify(removed.error)).toBe('completed');
    expect(existsSync(key)).toBe(false);

    // Adding an authorized key edits, then rescans: two operations in one attempt, which
    // the agent path cannot yet carry. It fails at once saying so, not with a wrong result.
    const add = await run('add-authorized-key', {
      hostId,
      account: 'alice',
      publicKey:
        'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl x',
    });
    expect(add).toMatchObject({
      state: 'failed',
      attempts: 1,
      error: { code: 'AGENT_ONE_OPERATION_PER_ATTEMPT' },
    });
  }, 90_000);
});
