/**
 * One controller process and real agent processes that fail on purpose: an agent killed
 * mid-job, an agent that dies with a result in its spool, and a job cancelled through
 * the API while the agent runs it. Each asserts what an operator sees through the API
 * and what the result store holds.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgentCluster, logLines, type AgentCluster } from '../../helpers/agent-cluster';
import { waitFor } from '../../helpers/agent-processes';

describe('agents that fail: real controller and agent processes', () => {
  let cluster: AgentCluster;
  beforeAll(async () => {
    cluster = await startAgentCluster();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  const jobStarted = (output: () => string, jobId: string, attempt: number) =>
    waitFor(
      () => `the agent to start job ${jobId} attempt ${attempt}:\n${output()}`,
      async () =>
        logLines(output(), 'job started').some((l) => l.jobId === jobId && l.attempt === attempt),
    );

  it('an agent killed mid-job: the attempt fails as retryable, the retry runs when the agent is back', async () => {
    const agent = await cluster.addAgent('killed');
    // Test fault (test/helpers/agent-test-main.ts): list-accounts takes 1.5 s on this agent.
    agent.start({ KEYWARDEN_TEST_AGENT_SLOW_OPERATIONS: 'list-accounts=1500' });
    const hostId = await agent.hostId();
    const job = await cluster.enqueueHostOperation(hostId, 'list-accounts');
    await jobStarted(() => agent.proc!.output(), job.id, 1);
    await agent.proc!.kill('SIGKILL');

    // The operator sees the attempt failed because the host went away, and a retry.
    const retrying = await waitFor(
      async () => `the job to show the lost attempt: ${JSON.stringify(await cluster.job(job.id))}`,
      async () => {
        const j = await cluster.job(job.id);
        return j.error?.code === 'HOST_UNREACHABLE' ? j : null;
      },
    );
    expect(retrying.state).toMatch(/^(queued|running)$/);
    expect(retrying.error?.message).toMatch(/disconnected while running the job/);

    const restarted = agent.start();
    const done = await cluster.waitForJob(job.id, ['completed', 'failed']);
    expect(done.state, JSON.stringify(done.error)).toBe('completed');
    expect(done.attempts).toBe(2);
    expect(
      (done.result as { accounts: Array<{ name: string }> }).accounts.map((a) => a.name),
    ).toEqual(expect.arrayContaining(['alice', 'bob']));
    // The agent reported the attempt it lost in the crash from its journal; it ran once more.
    const store = await cluster.store();
    expect(
      await store.agentFleet.results.get({ jobId: job.id, attempt: 1, step: 0 }),
    ).toMatchObject({
      ok: false,
      error: { code: 'AGENT_RESTARTED' },
    });
    expect(
      await store.agentFleet.results.get({ jobId: job.id, attempt: 2, step: 0 }),
    ).toMatchObject({ ok: true });
    expect(logLines(restarted.output(), 'job started').filter((l) => l.jobId === job.id)).toEqual([
      expect.objectContaining({ attempt: 2 }),
    ]);
  });

  it('an agent restarted with an unacknowledged result in its spool sends it once', async () => {
    const agent = await cluster.addAgent('spooler');
    // Test fault (test/helpers/agent-test-main.ts): the agent exits right after spooling
    // the result of a list-accounts operation, before sending it (the discovery's
    // scan-full goes through normally).
    const first = agent.start({ KEYWARDEN_TEST_AGENT_EXIT_AFTER_RESULT: 'list-accounts' });
    const hostId = await agent.hostId();
    const store = await cluster.store();
    // Let the discovery's scan-full finish and be acknowledged first, so the only result
    // left in the spool when the agent exits is the one this test is about.
    await cluster.waitForDiscoveryScan(hostId);
    const job = await cluster.enqueueHostOperation(hostId, 'list-accounts');
    expect(await first.exited).toBe(3);
    const spool = readdirSync(path.join(agent.stateDir, 'spool'));
    expect(spool).toEqual([`${job.id}_1.json`]);
    expect(await store.agentFleet.results.get({ jobId: job.id, attempt: 1, step: 0 })).toBeNull();

    const restartedAt = Date.now();
    agent.start();
    const done = await cluster.waitForJob(job.id, ['completed', 'failed']);
    expect(done.state, JSON.stringify(done.error)).toBe('completed');
    const r1 = await store.agentFleet.results.get({ jobId: job.id, attempt: 1, step: 0 });
    expect(r1).toMatchObject({ ok: true, hostId });
    expect(r1!.finishedAt).toBeLessThan(restartedAt);
    await waitFor('the spool to be emptied by the acknowledgement', async () =>
      readdirSync(path.join(agent.stateDir, 'spool')).length === 0 ? true : null,
    );
    // Sent once: the controller never saw it twice.
    const ctlOut = cluster.controllers[0]!.output();
    expect(
      logLines(ctlOut, 'duplicate result acknowledged, not stored again').filter(
        (l) => l.jobId === job.id,
      ),
    ).toEqual([]);
  });

  it('cancelling a running agent job through the API reaches the agent, which acknowledges', async () => {
    const agent = await cluster.addAgent('cancelled');
    // Test fault: list-accounts takes 20 s on this agent, so the cancel finds it running.
    agent.start({ KEYWARDEN_TEST_AGENT_SLOW_OPERATIONS: 'list-accounts=20000' });
    const hostId = await agent.hostId();
    const job = await cluster.enqueueHostOperation(hostId, 'list-accounts');
    await jobStarted(() => agent.proc!.output(), job.id, 1);
    const res = await cluster.api<{ state: string }>('POST', `/api/v1/jobs/${job.id}/cancel`);
    expect(res.status).toBe(200);
    const ended = await cluster.waitForJob(job.id, ['cancelled', 'failed', 'completed'], 10_000);
    expect(ended.state).toBe('cancelled');
    const out = () => agent.proc!.output();
    await waitFor(
      () => `the agent to log the cancel:\n${out()}`,
      async () =>
        logLines(out(), 'cancel received').find((l) => l.jobId === job.id && l.wasRunning === true),
    );
    const store = await cluster.store();
    const a = await waitFor('the cancel to be acknowledged', async () => {
      const x = await store.agentFleet.assignments.get({ jobId: job.id, attempt: 1, step: 0 });
      return x?.state === 'cancel-acknowledged' || x?.state === 'ended' ? x : null;
    });
    expect(a.state).toBe('cancel-acknowledged');
    // The agent stopped the work rather than finishing it.
    expect(logLines(out(), 'job finished').filter((l) => l.jobId === job.id)).toEqual([]);
  });
});
