/**
 * Controllers that go away under real agent processes: the controller killed (SIGKILL)
 * while agents hold streams and run jobs, and two controller processes on one SQLite
 * store where a host's stream moves from one to the other.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { logLines, startAgentCluster, type AgentCluster } from '../../helpers/agent-cluster';
import { waitFor } from '../../helpers/agent-processes';
import type { JobRecord } from '../../../controller/store/records';

const pidOf = (workerOrController: string | null | undefined) =>
  Number(workerOrController?.split(':')[1]);

describe('controller outages under real agents', () => {
  let cluster: AgentCluster | undefined;
  afterEach(async () => {
    await cluster?.stop();
    cluster = undefined;
  });

  it('controller killed while agents run jobs: agents reconnect with backoff, spooled results arrive once, jobs complete', async () => {
    cluster = await startAgentCluster();
    const c = cluster;
    const agents = await Promise.all(['out-1', 'out-2'].map((n) => c.addAgent(n)));
    // Test fault (test/helpers/agent-test-main.ts): list-accounts takes 1.5 s on these agents.
    for (const a of agents) a.start({ KEYWARDEN_TEST_AGENT_SLOW_OPERATIONS: 'list-accounts=1500' });
    const hosts = await Promise.all(agents.map((a) => a.hostId()));
    // The discovery scans first: one whose result was stored just before the kill but not
    // yet acknowledged would be sent again (rightly) and show up as a duplicate below.
    await Promise.all(hosts.map((h) => c.waitForDiscoveryScan(h)));
    const jobs = await Promise.all(hosts.map((h) => c.enqueueHostOperation(h, 'list-accounts')));
    for (const [i, a] of agents.entries())
      await waitFor(
        () => `agent ${a.name} to start its job:\n${a.proc!.output()}`,
        async () => logLines(a.proc!.output(), 'job started').some((l) => l.jobId === jobs[i]!.id),
      );
    const killedAt = Date.now();
    await c.controllers[0]!.kill('SIGKILL');
    // The jobs finish during the outage: into the spool.
    for (const a of agents)
      await waitFor(
        () => `agent ${a.name} to finish during the outage:\n${a.proc!.output()}`,
        async () => logLines(a.proc!.output(), 'job finished').length > 0,
      );
    // Let the agents fail to reconnect a few times.
    await new Promise((r) => setTimeout(r, 1500));
    const restartedAt = Date.now();
    const ctl = await c.startController(0);

    for (const job of jobs) {
      const done = await c.waitForJob(job.id, ['completed', 'failed']);
      expect(done.state, JSON.stringify(done.error)).toBe('completed');
      expect(
        (done.result as { accounts: Array<{ name: string }> }).accounts.map((x) => x.name),
      ).toEqual(expect.arrayContaining(['alice', 'bob']));
    }
    const store = await c.store();
    for (const job of jobs) {
      // Exactly one stored result for the job: the one the agent spooled during the outage.
      const rows = await Promise.all(
        [1, 2, 3].map((n) => store.agentFleet.results.get({ jobId: job.id, attempt: n, step: 0 })),
      );
      const stored = rows.filter((r) => r !== null);
      expect(stored, JSON.stringify(stored)).toHaveLength(1);
      expect(stored[0]).toMatchObject({ attempt: 1, ok: true, receivedBy: expect.any(String) });
      expect(stored[0]!.finishedAt).toBeGreaterThan(killedAt);
      expect(stored[0]!.finishedAt).toBeLessThan(restartedAt);
      expect(pidOf(stored[0]!.receivedBy)).toBe(ctl.proc.pid);
    }
    expect(logLines(ctl.output(), 'duplicate result acknowledged, not stored again')).toEqual([]);
    for (const a of agents) {
      const retries = logLines(a.proc!.output(), 'reconnecting');
      // Backoff: the failures count up and every delay stays under the 1 s cap.
      expect(Math.max(...retries.map((l) => Number(l.failures)))).toBeGreaterThanOrEqual(2);
      for (const l of retries) expect(Number(l.inMs)).toBeLessThanOrEqual(1000);
      expect(logLines(a.proc!.output(), 'connected').length).toBeGreaterThanOrEqual(2);
      // The work was done once on the host: no retry of these jobs ran there.
      const ours = new Set(jobs.map((j) => j.id));
      const started = logLines(a.proc!.output(), 'job started').filter((l) =>
        ours.has(l.jobId as string),
      );
      expect(started.map((l) => l.attempt)).toEqual([1]);
    }
  });

  it('two controllers on one store: jobs reach the agent through whichever controller holds its stream', async () => {
    // Two job slots each, so jobs of 1 s are claimed by both engines.
    cluster = await startAgentCluster({
      controllers: 2,
      env: { KEYWARDEN_WORKER_CONCURRENCY: '2', KEYWARDEN_CLAIM_BATCH: '1' },
    });
    const c = cluster;
    const [a, b] = c.controllers as [
      NonNullable<(typeof c.controllers)[0]>,
      (typeof c.controllers)[0],
    ];
    const agent = await c.addAgent('moving', { maxConcurrentJobs: 8 });
    // Test fault: list-accounts takes 1 s on this agent.
    agent.start({ KEYWARDEN_TEST_AGENT_SLOW_OPERATIONS: 'list-accounts=1000' });
    const hostId = await agent.hostId();
    const runRound = async () => {
      const jobs: JobRecord[] = [];
      for (let i = 0; i < 6; i++) jobs.push(await c.enqueueHostOperation(hostId, 'list-accounts'));
      // Who claimed each job is visible while it runs (GET /api/v1/jobs/:id workerId).
      const claimers = new Set<number>();
      const done = await waitFor('the round of jobs to end', async () => {
        const now = await Promise.all(jobs.map((j) => c.job(j.id)));
        for (const j of now)
          if (j.state === 'running' && j.workerId) claimers.add(pidOf(j.workerId));
        return now.every((j) => ['completed', 'failed'].includes(j.state)) ? now : null;
      });
      const store = await c.store();
      const results = await Promise.all(
        done.map((j) =>
          store.agentFleet.results.get({ jobId: j.id, attempt: j.attempts, step: 0 }),
        ),
      );
      return { done, results, claimers };
    };

    // The agent dials the first address of its ICB: controller A.
    const first = await runRound();
    for (const j of first.done) expect(j.state, JSON.stringify(j.error)).toBe('completed');
    expect(first.results.map((r) => pidOf(r?.receivedBy))).toEqual(
      first.done.map(() => a.proc.pid),
    );
    expect(first.claimers).toEqual(new Set([a.proc.pid, b!.proc.pid]));

    // A goes away; the agent moves to B. A comes back: its engine claims jobs again,
    // and B, which now holds the stream, delivers them.
    await a.kill('SIGKILL');
    await waitFor(
      () => `the agent to connect to controller B:\n${agent.proc!.output()}`,
      async () =>
        logLines(agent.proc!.output(), 'connected').some(
          (l) => pidOf(l.controller as string) === b!.proc.pid,
        ),
    );
    const a2 = await c.startController(0);
    const second = await runRound();
    for (const j of second.done) expect(j.state, JSON.stringify(j.error)).toBe('completed');
    expect(second.results.map((r) => pidOf(r?.receivedBy))).toEqual(
      second.done.map(() => b!.proc.pid),
    );
    expect(second.claimers.has(a2.proc.pid!)).toBe(true);
  });
});
