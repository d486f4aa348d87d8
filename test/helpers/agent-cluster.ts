/**
 * Real processes for agent tests: one or two keywarden-controller processes on one
 * embedded store (a SQLite file in WAL mode shared by processes), and keywarden-agent
 * processes, each its own "host" with a root prefix. Controller i listens on
 * 127.0.0.{i+1} with the same ports, so one ICB names every controller and a controller
 * restarted after SIGKILL comes back on the addresses its agents dial.
 *
 * The test process opens the same store to queue the test-* fixture jobs (they are not
 * admin-triggerable) and to read what the API does not show (stored agent results).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateSecret } from '../../controller/auth/tokens';
import { JobQueue } from '../../controller/engine/job-queue';
import { buildRegistry } from '../../controller/jobs/registry';
import type { JobRecord } from '../../controller/store/records';
import { openStore } from '../../controller/store/open-store';
import type { Store } from '../../controller/store/store';
import { spawnController, type ControllerProcess } from './controller-process';
import { freePort, makeFakeHost, spawnAgent, waitFor, type AgentProcess } from './agent-processes';

export interface ClusterAgent {
  name: string;
  agentId: string;
  stateDir: string;
  hostRoot: string;
  /** The running process (replaced by start()). */
  proc: AgentProcess | null;
  start(env?: Record<string, string>): AgentProcess;
  hostId(): Promise<string>;
}

export interface AgentCluster {
  dir: string;
  adminToken: string;
  controllers: Array<ControllerProcess | null>;
  /** Starts controller i (again) with the cluster's settings. */
  startController(i: number): Promise<ControllerProcess>;
  /** The admin API of the first running controller (or controller i). */
  api<T = unknown>(
    method: string,
    p: string,
    body?: unknown,
    i?: number,
  ): Promise<{ status: number; body: T }>;
  store(): Promise<Store>;
  enqueueHostOperation(
    hostId: string,
    operation: string,
    args?: Record<string, unknown>,
  ): Promise<JobRecord>;
  job(id: string): Promise<JobRecord>;
  waitForJob(id: string, states: string[], timeoutMs?: number): Promise<JobRecord>;
  /** Starts a job as an admin would (POST /api/v1/jobs) and waits until it completes or fails. */
  runJob(type: string, params: Record<string, unknown>): Promise<JobRecord>;
  /** Switches a host to managed as an admin would; resolves once to-managed-state-host completed. */
  manageHost(hostId: string, timeoutMs?: number): Promise<void>;
  /**
   * Until the scan-full discovery queued for the host has completed, so a test's fault or
   * count concerns only the jobs it queues itself.
   */
  waitForDiscoveryScan(hostId: string): Promise<void>;
  addAgent(name: string, icbBody?: Record<string, unknown>): Promise<ClusterAgent>;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  controllers?: number;
  env?: Record<string, string>;
  agentEnv?: Record<string, string>;
  /** The agent program (default: agent/main.ts through tsx). */
  agentCommand?: string[];
}

export async function startAgentCluster(o: ClusterOptions = {}): Promise<AgentCluster> {
  const n = o.controllers ?? 1;
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-cluster-'));
  const adminToken = generateSecret();
  const grpcPort = await freePort();
  const enrollPort = await freePort();
  const ips = Array.from({ length: n }, (_, i) => `127.0.0.${i + 1}`);
  const controllers: Array<ControllerProcess | null> = ips.map(() => null);
  const agents: ClusterAgent[] = [];
  let store: Store | null = null;
  let queue: JobQueue | null = null;

  const startController = async (i: number) => {
    const ctl = await spawnController({
      KEYWARDEN_DATA_DIR: path.join(dir, 'data'),
      KEYWARDEN_ADMIN_TOKEN: adminToken,
      KEYWARDEN_GRPC_ADDR: `${ips[i]}:${grpcPort}`,
      KEYWARDEN_ENROLL_ADDR: `${ips[i]}:${enrollPort}`,
      KEYWARDEN_AGENT_ADVERTISE: ips.join(','),
      KEYWARDEN_ENABLE_TEST_JOB_TYPES: 'true',
      KEYWARDEN_POLL_INTERVAL: '50ms',
      KEYWARDEN_SCHEDULER_TICK: '100ms',
      KEYWARDEN_LEASE: '2s',
      KEYWARDEN_LOG_LEVEL: 'info',
      ...o.env,
    });
    controllers[i] = ctl;
    return ctl;
  };

  const api = async <T>(method: string, p: string, body?: unknown, i?: number) => {
    const ctl =
      i === undefined ? controllers.find((c) => c && c.proc.exitCode === null) : controllers[i];
    if (!ctl) throw new Error('no controller is running');
    const res = await fetch(`${ctl.url}${p}`, {
      method,
      headers: {
        authorization: `Bearer ${adminToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as T };
  };

  const openTheStore = async () => {
    store ??= await openStore(`sqlite:${path.join(dir, 'data', 'keywarden.db')}`);
    queue ??= new JobQueue(store, buildRegistry({ testJobTypes: true }));
    return { store, queue };
  };

  const job = async (id: string) => {
    const res = await api<JobRecord>('GET', `/api/v1/jobs/${id}`);
    if (res.status !== 200) throw new Error(`GET job ${id}: ${res.status}`);
    return res.body;
  };

  const waitForJob = (id: string, states: string[], timeoutMs = 30_000) =>
    waitFor(
      async () => `job ${id} to reach ${states.join('/')}: ${JSON.stringify(await job(id))}`,
      async () => {
        const j = await job(id);
        return states.includes(j.state) ? j : null;
      },
      timeoutMs,
    );

  for (let i = 0; i < n; i++) await startController(i);
  // The watchdog reclaims jobs of a dead controller once their lease expires; once a
  // second instead of once a minute keeps the tests short.
  const patched = await api('PATCH', '/api/v1/robots/internal-process-manager', {
    intervalMs: 1000,
  });
  if (patched.status !== 200) throw new Error(`PATCH robot: ${JSON.stringify(patched.body)}`);

  const cluster: AgentCluster = {
    dir,
    adminToken,
    controllers,
    startController,
    api,
    store: async () => (await openTheStore()).store,
    async enqueueHostOperation(hostId, operation, args) {
      const { queue: q } = await openTheStore();
      const res = await q.enqueue(
        'test-host-operation',
        { operation, args },
        { createdBy: 'test', trigger: 'admin', hostId },
      );
      return res.job;
    },
    job,
    async waitForDiscoveryScan(hostId) {
      const { store: s } = await openTheStore();
      await waitFor('the discovery scan to complete', async () => {
        const scans = await s.jobs.list({ type: ['scan-full'], hostId }, { limit: 5 });
        return scans.items.length > 0 && scans.items.every((j) => j.state === 'completed')
          ? true
          : null;
      });
    },
    waitForJob,
    async runJob(type, params) {
      const res = await api<{ job: { id: string } }>('POST', '/api/v1/jobs', { type, params });
      if (res.status !== 201)
        throw new Error(`POST job ${type}: ${res.status} ${JSON.stringify(res.body)}`);
      return waitForJob(res.body.job.id, ['completed', 'failed']);
    },
    async manageHost(hostId, timeoutMs) {
      const res = await api<{ jobId: string }>('POST', `/api/v1/hosts/${hostId}/manage`);
      if (res.status !== 202)
        throw new Error(`manage host ${hostId}: ${res.status} ${JSON.stringify(res.body)}`);
      const done = await waitForJob(res.body.jobId, ['completed', 'failed'], timeoutMs);
      if (done.state !== 'completed')
        throw new Error(`to-managed-state-host of ${hostId} failed: ${JSON.stringify(done.error)}`);
    },
    async addAgent(name, icbBody = {}) {
      const res = await api<{ icbId: string; icb: unknown }>('POST', '/api/v1/icb', {
        heartbeatIntervalMs: 1000,
        ...icbBody,
      });
      if (res.status !== 201) throw new Error(`POST /api/v1/icb: ${JSON.stringify(res.body)}`);
      const icbFile = path.join(dir, `${name}.icb`);
      writeFileSync(icbFile, JSON.stringify(res.body.icb));
      const stateDir = path.join(dir, `state-${name}`);
      const enroll = spawnAgent(
        ['enroll', '--icb', icbFile, '--state-dir', stateDir],
        {},
        o.agentCommand,
      );
      const code = await enroll.exited;
      const agentId = /enrolled as (agt_\w+)/.exec(enroll.output())?.[1];
      if (code !== 0 || !agentId) throw new Error(`enroll ${name} failed:\n${enroll.output()}`);
      const hostRoot = makeFakeHost(name);
      const agent: ClusterAgent = {
        name,
        agentId,
        stateDir,
        hostRoot,
        proc: null,
        start(env = {}) {
          agent.proc = spawnAgent(
            ['run', '--state-dir', stateDir, '--root-prefix', hostRoot],
            {
              KEYWARDEN_AGENT_HOSTNAME: name,
              KEYWARDEN_AGENT_MAX_BACKOFF_MS: '1000',
              ...o.agentEnv,
              ...env,
            },
            o.agentCommand,
          );
          return agent.proc;
        },
        async hostId() {
          const { store: s } = await openTheStore();
          const host = await waitFor(
            () => `agent ${name} to be a monitored host:\n${agent.proc?.output() ?? ''}`,
            async () => {
              const page = await s.hosts.list({ kind: 'agent' }, { limit: 100 });
              return page.items.find((h) => h.agentId === agentId && h.state === 'monitored');
            },
          );
          return host.id;
        },
      };
      agents.push(agent);
      return agent;
    },
    async stop() {
      for (const a of agents) await a.proc?.kill('SIGKILL');
      for (const c of controllers) await c?.kill('SIGKILL');
      await store?.close();
      for (const a of agents) rmSync(a.hostRoot, { recursive: true, force: true });
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return cluster;
}

/** The JSON log lines of a process (agent or controller) with this message. */
export function logLines(output: string, msg: string): Array<Record<string, unknown>> {
  return output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return [];
      }
    })
    .filter((l) => l.msg === msg);
}
