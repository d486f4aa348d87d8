/**
 * A routine controller restart (SIGTERM) while an agent runs a job: the attempt is given
 * back, not charged, the agent is not told to cancel, and after the restart the job takes
 * the result the agent finished meanwhile. The operation ran on the host once.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { logLines, startAgentCluster, type AgentCluster } from '../../helpers/agent-cluster';
import { waitFor } from '../../helpers/agent-processes';

describe('graceful controller restart under a running agent job', () => {
  let cluster: AgentCluster | undefined;
  afterAll(async () => {
    await cluster?.stop();
  });

  it('gives the attempt back, does not cancel the agent, and completes the job from its result', async () => {
    // Longer than the engine's 5 s shutdown grace, so the SIGTERM finds the job running.
    cluster = await startAgentCluster({
      agentEnv: { KEYWARDEN_TEST_AGENT_SLOW_OPERATIONS: 'list-accounts=9000' },
    });
    const c = cluster;
    const agent = await c.addAgent('restart-1');
    const proc = agent.start();
    const hostId = await agent.hostId();
    await c.waitForDiscoveryScan(hostId);
    const job = await c.enqueueHostOperation(hostId, 'list-accounts');
    await waitFor(
      () => `the agent to start the job:\n${proc.output()}`,
      async () => logLines(proc.output(), 'job started').some((l) => l.jobId === job.id),
    );

    const code = await c.controllers[0]!.kill('SIGTERM');
    expect(code).toBe(0);
    // Given back: queued again with its attempt uncharged.
    const store = await c.store();
    expect(await store.jobs.get(job.id)).toMatchObject({
      state: 'queued',
      attempts: 0,
      error: { code: 'CONTROLLER_STOPPING' },
    });

    await c.startController(0);
    const done = await c.waitForJob(job.id, ['completed', 'failed'], 60_000);
    expect(done.state, JSON.stringify(done.error)).toBe('completed');
    expect(done.attempts).toBe(1);
    expect(
      (done.result as { accounts: Array<{ name: string }> }).accounts.map((a) => a.name),
    ).toContain('root');
    // The host ran it once and was never told to stop.
    const ours = (msg: string) => logLines(proc.output(), msg).filter((l) => l.jobId === job.id);
    expect(ours('job started')).toHaveLength(1);
    expect(ours('cancel received')).toEqual([]);
  });
});
