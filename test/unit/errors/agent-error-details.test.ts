/**
 * An error raised on the agent reaches the job record with its code and its details (what
 * the agent saw), not as a bare code: a real agent refuses to write a private key under a
 * home directory any user could write to.
 */
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgentCluster, type AgentCluster } from '../../helpers/agent-cluster';

describe('an error on the agent', () => {
  let cluster: AgentCluster;
  beforeAll(async () => {
    cluster = await startAgentCluster();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('keeps its code and details in the job record', async () => {
    const agent = await cluster.addAgent('unsafe-home');
    const alice = readFileSync(path.join(agent.hostRoot, 'etc/passwd'), 'utf8')
      .split('\n')
      .find((l) => l.startsWith('alice:'))!
      .split(':');
    const home = path.join(agent.hostRoot, 'home/alice');
    mkdirSync(home, { recursive: true });
    chownSync(home, Number(alice[2]), Number(alice[3]));
    chmodSync(home, 0o777);
    agent.start();
    const hostId = await agent.hostId();
    await cluster.manageHost(hostId);
    const done = await cluster.runJob('generate-private-key', {
      hostId,
      account: 'alice',
      policy: { type: 'ed25519' },
      comment: 'x',
    });
    expect(done).toMatchObject({
      state: 'failed',
      attempts: 1,
      error: {
        code: 'UNSAFE_PATH',
        retryable: false,
        details: { directory: '/home/alice', path: expect.stringContaining('/home/alice/') },
      },
    });
    expect(existsSync(path.join(home, '.ssh/id_ed25519'))).toBe(false);
  });
});
