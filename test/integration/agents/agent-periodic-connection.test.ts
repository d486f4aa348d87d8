/**
 * A periodic agent (ICB mode "periodic", 10 s between connections) under a real controller:
 * it connects, gets the jobs queued while it was away, sends their results, disconnects,
 * and comes back at the time the controller gave it, which the controller records. While
 * it is away its jobs wait queued (WAITING_FOR_HOST), holding no worker and spending no
 * attempt, so a job's timeout need not be longer than the connection interval.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { JobRecord } from '../../../controller/store/records';
import { logLines, startAgentCluster, type AgentCluster } from '../../helpers/agent-cluster';
import { waitFor } from '../../helpers/agent-processes';

const INTERVAL_MS = 10_000;
const at = (line: Record<string, unknown>, field = 'time') => Date.parse(String(line[field]));

describe('periodic agents', () => {
  let cluster: AgentCluster | undefined;
  afterAll(async () => {
    await cluster?.stop();
  });

  it('connect, drain the jobs queued while away, disconnect, and return when told', async () => {
    cluster = await startAgentCluster();
    const c = cluster;
    const agent = await c.addAgent('periodic-1', {
      mode: 'periodic',
      connectIntervalMs: INTERVAL_MS,
    });
    const proc = agent.start();
    const out = () => proc.output();
    const hostId = await agent.hostId();
    const store = await c.store();

    const drainedAfter = async (n: number) => {
      const line = await waitFor(
        () => `management connection ${n} to drain:\n${out()}`,
        async () => logLines(out(), 'drained; next management connection scheduled')[n - 1],
        INTERVAL_MS + 10_000,
      );
      return at(line, 'at');
    };
    const disconnected = (connections: number) =>
      waitFor(
        async () =>
          `the controller to record disconnection ${connections}: ${JSON.stringify(await store.agentFleet.agents.get(agent.agentId))}`,
        async () => {
          const a = await store.agentFleet.agents.get(agent.agentId);
          return a && a.connectionId === null && a.connections === connections ? a : null;
        },
      );
    const queueWhileAway = async (nextAt: number, count: number) => {
      const jobs: JobRecord[] = [];
      for (let i = 0; i < count; i++)
        jobs.push(await c.enqueueHostOperation(hostId, 'list-accounts'));
      // Really queued while the agent is away: well before it is due back.
      expect(Date.now()).toBeLessThan(nextAt - 2000);
      await waitingForAgent(nextAt, jobs);
      return jobs;
    };
    /** Each job waits queued for the agent's return, saying why, with no attempt spent. */
    const waitingForAgent = async (nextAt: number, jobs: JobRecord[]) => {
      for (const job of jobs) {
        const waiting = await waitFor(
          async () => `job ${job.id} to wait for the agent: ${JSON.stringify(await c.job(job.id))}`,
          async () => {
            const j = await c.job(job.id);
            return j.state === 'queued' && j.error?.code === 'WAITING_FOR_HOST' ? j : null;
          },
        );
        expect(waiting).toMatchObject({ attempts: 0, runAt: nextAt, workerId: null });
        expect(waiting.error!.message).toContain(new Date(nextAt).toISOString());
      }
    };
    const deliveredAtConnection = async (n: number, nextAt: number, jobs: JobRecord[]) => {
      for (const job of jobs) {
        const done = await c.waitForJob(job.id, ['completed', 'failed'], INTERVAL_MS + 10_000);
        expect(done.state, JSON.stringify(done.error)).toBe('completed');
        expect(done.attempts).toBe(1);
        expect(
          (done.result as { accounts: Array<{ name: string }> }).accounts.map((x) => x.name),
        ).toEqual(expect.arrayContaining(['alice', 'bob']));
        expect(done.finishedAt!).toBeGreaterThanOrEqual(nextAt);
      }
      const connected = logLines(out(), 'connected');
      expect(connected, out()).toHaveLength(n);
      const connectedAt = at(connected[n - 1]!);
      // Back at the time it was given (the wait is exact; a TLS handshake and hello follow).
      expect(connectedAt, out()).toBeGreaterThanOrEqual(nextAt);
      expect(connectedAt, out()).toBeLessThan(nextAt + 3000);
      for (const job of jobs) {
        const started = logLines(out(), 'job started').find((l) => l.jobId === job.id);
        expect(started, out()).toBeDefined();
        expect(at(started!), out()).toBeGreaterThanOrEqual(connectedAt);
      }
    };

    // Connection 1: discovery; nothing to run yet, so it drains and leaves.
    const next1 = await drainedAfter(1);
    const after1 = await disconnected(1);
    expect(after1.nextConnectionAt).toBe(next1);
    expect(next1 - at(logLines(out(), 'connected')[0]!)).toBeGreaterThan(INTERVAL_MS - 1000);

    // Two jobs queued while it is away arrive at connection 2.
    const away1 = await queueWhileAway(next1, 2);
    await deliveredAtConnection(2, next1, away1);
    const next2 = await drainedAfter(2);
    const after2 = await disconnected(2);
    expect(after2.lastConnectedAt!).toBeGreaterThanOrEqual(next1);
    expect(after2.lastDisconnectedAt!).toBeGreaterThan(after2.lastConnectedAt!);
    // The controller's record of when it comes back is what it told the agent.
    expect(after2.nextConnectionAt).toBe(next2);
    const handled = await c.api<{ items: JobRecord[] }>(
      'GET',
      `/api/v1/jobs?type=handle-agent-host&host=${hostId}`,
    );
    expect(handled.status).toBe(200);
    expect(handled.body.items).toHaveLength(1);
    expect(handled.body.items[0]).toMatchObject({
      state: 'completed',
      result: { hostId, nextConnectionAt: next2 },
    });

    // And one queued during the next absence arrives at connection 3, with a key edit: its
    // two operations (the edit, then the rescan) both run during that one connection. Edits
    // need the managed state, switched as an admin would (no agent contact needed for it).
    await c.manageHost(hostId);
    const added = await addKeyWhileAway(agent.hostRoot, hostId);
    const away2 = await queueWhileAway(next2, 1);
    await waitingForAgent(next2, [added.job]);
    // A job cancelled while it waits never reaches the agent.
    const [cancelled] = await queueWhileAway(next2, 1);
    const cancel = await c.api('POST', `/api/v1/jobs/${cancelled!.id}/cancel`);
    expect(cancel.status, JSON.stringify(cancel.body)).toBe(200);
    expect(await c.job(cancelled!.id)).toMatchObject({ state: 'cancelled', attempts: 0 });
    await deliveredAtConnection(3, next2, away2);
    const edit = await c.waitForJob(added.job.id, ['completed', 'failed'], INTERVAL_MS + 10_000);
    expect(edit.state, JSON.stringify(edit.error)).toBe('completed');
    expect(edit.attempts).toBe(1);
    expect(readFileSync(added.file, 'utf8')).toContain(added.line);
    const ran = logLines(out(), 'job started').filter((l) => l.jobId === added.job.id);
    expect(ran.map((l) => l.operation)).toEqual(['add-authorized-key', 'scan-authorized-keys']);
    expect(logLines(out(), 'job started').filter((l) => l.jobId === cancelled!.id)).toEqual([]);
    const connections = logLines(out(), 'connected');
    expect(connections).toHaveLength(3);
    expect(at(ran[1]!)).toBeGreaterThanOrEqual(at(connections[2]!));
    await drainedAfter(3);
    await disconnected(3);
  });

  /** Queues add-authorized-key for alice on the fake host (her home made first). */
  const addKeyWhileAway = async (hostRoot: string, hostId: string) => {
    const c = cluster!;
    const passwd = readFileSync(path.join(hostRoot, 'etc/passwd'), 'utf8');
    const alice = passwd
      .split('\n')
      .find((l) => l.startsWith('alice:'))!
      .split(':');
    const home = path.join(hostRoot, 'home/alice');
    mkdirSync(home, { recursive: true });
    chownSync(home, Number(alice[2]), Number(alice[3]));
    const dir = mkdtempSync(path.join(tmpdir(), 'kw-key-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'k')]);
    const line = readFileSync(path.join(dir, 'k.pub'), 'utf8').trim();
    rmSync(dir, { recursive: true, force: true });
    const res = await c.api<{ job: JobRecord }>('POST', '/api/v1/jobs', {
      type: 'add-authorized-key',
      params: { hostId, account: 'alice', publicKey: line },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return { job: res.body.job, line, file: path.join(home, '.ssh/authorized_keys') };
  };
});
