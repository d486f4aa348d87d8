/**
 * `POST /api/v1/hosts/:id/discover` (`keywarden hosts rediscover`) on an agent host, with a
 * real controller and agent process: the discover job hands its child the host's agent
 * id, the discovery completes, and a managed or unreachable host keeps its state.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostRecord } from '../../../controller/store/host-records';
import type { JobRecord } from '../../../controller/store/records';
import {
  startAgentCluster,
  type AgentCluster,
  type ClusterAgent,
} from '../../helpers/agent-cluster';

const ENDED = ['completed', 'failed', 'cancelled', 'dead'];

describe('agents: rediscover an agent host', () => {
  let cluster: AgentCluster;
  let agent: ClusterAgent;
  let hostId: string;
  beforeAll(async () => {
    cluster = await startAgentCluster();
    agent = await cluster.addAgent('rd-01');
    agent.start();
    hostId = await agent.hostId();
    await cluster.waitForDiscoveryScan(hostId);
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  /** The discover-agent-host child of a discover job, once it has ended. */
  const childOf = async (parentId: string) => {
    const store = await cluster.store();
    const page = await store.jobs.list({ parentId }, { limit: 10 });
    return page.items;
  };

  it('runs discovery of the agent host again through the API', async () => {
    const res = await cluster.api<{ jobId: string }>('POST', `/api/v1/hosts/${hostId}/discover`);
    expect(res.status).toBe(202);
    const parent = await cluster.waitForJob(res.body.jobId, ENDED, 60_000);
    const children = await childOf(parent.id);
    expect(
      parent.state,
      JSON.stringify({ parent: parent.error, children: children.map((c) => c.error) }),
    ).toBe('completed');
    expect(children.map((c) => [c.type, c.state, c.params])).toEqual([
      ['discover-agent-host', 'completed', { agentId: agent.agentId }],
    ]);
    expect(children[0]!.result).toMatchObject({ hostId, created: false, state: 'monitored' });
    // The same host record: no second host for the agent.
    const hosts = await cluster.api<{ items: HostRecord[] }>('GET', '/api/v1/hosts?kind=agent');
    expect(hosts.body.items.filter((h) => h.agentId === agent.agentId).map((h) => h.id)).toEqual([
      hostId,
    ]);
  }, 90_000);

  it('keywarden hosts rediscover on a managed agent host completes and leaves it managed', async () => {
    await cluster.manageHost(hostId, 60_000);

    const { runCli } = await import('../../../controller/cli/main');
    const out: string[] = [];
    const err: string[] = [];
    const env = { KEYWARDEN_URL: cluster.controllers[0]!.url, KEYWARDEN_TOKEN: cluster.adminToken };
    const code = await runCli(
      ['hosts', 'rediscover', hostId, '--wait', '--json'],
      env,
      (s) => out.push(s),
      (s) => err.push(s),
    );
    expect(code, err.join('\n')).toBe(0);
    // --wait: the CLI itself waited for the job and prints where it ended.
    const parent = JSON.parse(out.join('')) as JobRecord;
    const children = await childOf(parent.id);
    expect(
      parent.state,
      JSON.stringify({ parent: parent.error, children: children.map((c) => c.error) }),
    ).toBe('completed');
    expect(children.map((c) => c.state)).toEqual(['completed']);
    const host = await cluster.api<HostRecord>('GET', `/api/v1/hosts/${hostId}`);
    expect(host.body.state).toBe('managed');
  }, 90_000);

  it('leaves an unreachable agent host unreachable and its last-seen time alone', async () => {
    await agent.proc?.kill('SIGKILL');
    // What the connectivity check records for a host whose agent stopped answering.
    const store = await cluster.store();
    const before = await store.hosts.update(hostId, { state: 'unreachable' }, Date.now());
    expect(before?.lastSeenAt).toEqual(expect.any(Number));
    const res = await cluster.api<{ jobId: string }>('POST', `/api/v1/hosts/${hostId}/discover`);
    expect(res.status).toBe(202);
    const parent = await cluster.waitForJob(res.body.jobId, ENDED, 60_000);
    expect(parent.state, JSON.stringify(parent.error)).toBe('completed');
    const host = await cluster.api<HostRecord>('GET', `/api/v1/hosts/${hostId}`);
    expect(host.body).toMatchObject({ state: 'unreachable', lastSeenAt: before?.lastSeenAt });
  }, 90_000);
});
