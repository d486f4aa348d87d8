/**
 * Agents already deployed: a controller sends host operations only as the generic
 * HostOperation message, which an agent announces in its hello. A real agent process
 * started as an older agent (its hello omits the capability, through the test agent's
 * hook) is sent nothing: each job for its host fails at once, not retried, telling the
 * operator to upgrade that agent. The same agent, restarted as it ships, runs the work.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgentCluster, logLines, type AgentCluster } from '../../helpers/agent-cluster';

describe('an agent that predates the generic host-operation message', () => {
  let cluster: AgentCluster;
  beforeAll(async () => {
    cluster = await startAgentCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('is told to upgrade, and runs the work once it announces the message', async () => {
    const agent = await cluster.addAgent('old-1');
    const old = agent.start({ KEYWARDEN_TEST_AGENT_OMIT_CAPABILITIES: 'host-operation' });
    const hostId = await agent.hostId();
    const job = await cluster.enqueueHostOperation(hostId, 'list-accounts');
    const failed = await cluster.waitForJob(job.id, ['completed', 'failed']);
    expect(failed.state).toBe('failed');
    // Only an upgrade helps: one attempt, not the job's three.
    expect(failed.attempts).toBe(1);
    expect(failed.error).toMatchObject({
      code: 'AGENT_UPGRADE_REQUIRED',
      retryable: false,
      details: {
        agentId: agent.agentId,
        hostId,
        operation: 'list-accounts',
        missingCapability: 'host-operation',
      },
    });
    expect(failed.error?.message).toContain(`(agent ${agent.agentId}) on host ${hostId}`);
    expect(failed.error?.message).toContain('upgrade keywarden-agent on that host');
    // Nothing reached the agent: it never started a job.
    expect(logLines(old.output(), 'job started')).toEqual([]);

    // Upgraded (the same agent as it ships announces the message): the next job runs.
    await old.kill('SIGTERM');
    agent.start();
    const again = await cluster.enqueueHostOperation(hostId, 'list-accounts');
    const done = await cluster.waitForJob(again.id, ['completed', 'failed']);
    expect(done.state, JSON.stringify(done.error)).toBe('completed');
    expect(
      (done.result as { accounts: Array<{ name: string }> }).accounts.map((a) => a.name),
    ).toEqual(expect.arrayContaining(['alice', 'bob']));
  });
});
