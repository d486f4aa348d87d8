/**
 * The parts of bench:fleet the reconnect storm test shares: the store records of N
 * simulated agents (an enrolled agent bound to its host each), the simulator processes
 * (bench/fleet-simulator.ts) with their summed counters, and a cut of every stream at once.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import path from 'node:path';
import type { Store } from '../controller/store/store';
import { agentId, loadFleetCertificates } from './fleet-certs';
import type { SimulatorCommand, SimulatorStats } from './fleet-simulator';

/**
 * Hosts h0..h(n-1), each bound to agent agentId(i) in stream mode, whose current
 * certificate is the cached one (the gateway refuses any other serial as superseded).
 */
export async function registerSimulatedAgents(
  store: Store,
  n: number,
  cacheDir: string,
): Promise<void> {
  const { agents: creds } = await loadFleetCertificates(cacheDir, 0, n);
  const serialOf = (j: number) => new X509Certificate(creds[j]!.certPem).serialNumber;
  const settings = {
    mode: 'stream' as const,
    connectIntervalMs: 3_600_000,
    maxConcurrentJobs: 4,
    heartbeatIntervalMs: 600_000,
  };
  const now = Date.now();
  for (let i = 0; i < n; i += 1000) {
    const ids = Array.from({ length: Math.min(1000, n - i) }, (_, k) => i + k);
    await store.hosts.createMany(
      ids.map((j) => ({
        id: `h${j}`,
        name: `sim-${j}`,
        address: `10.0.${j >> 8}.${j & 255}`,
        port: 22,
        kind: 'agent' as const,
        state: 'discovered' as const,
        hostKeyFingerprint: null,
        managementAccount: null,
        agentId: agentId(j),
        os: null,
        sshProduct: null,
        lastSeenAt: now,
      })),
      now,
    );
    for (const j of ids) {
      await store.agentFleet.agents.create(
        {
          id: agentId(j),
          groupId: null,
          enrollmentTokenId: 'bench',
          settings,
          certificateSerial: serialOf(j),
          certificateNotAfter: now + 86_400_000,
          version: 'sim',
          facts: {},
        },
        now,
      );
      await store.agentFleet.agents.bindHost(agentId(j), `h${j}`, now);
    }
  }
}

export interface FleetOptions {
  cacheDir: string;
  target: string;
  hostRoot: string;
  agents: number;
  processes: number;
  /** Handshakes pending per simulator during the cold start. */
  inflight: number;
  /** New connections per second during the cold start, all simulators together. */
  rate: number;
  /** The agents' reconnect backoff cap (KEYWARDEN_AGENT_MAX_BACKOFF_MS; 60 s by default). */
  maxBackoffMs?: number;
  onExit?: (simulator: number, code: number | null) => void;
}

export interface Fleet {
  sum(k: 'connected' | 'answered' | 'failures' | 'cpuMs'): number;
  /** Drains what the simulators reported since the last call. */
  take(k: 'welcomeMs' | 'stormDelayMs' | 'stormAttemptMs' | 'stormBackMs'): number[];
  /** Cuts every held stream at once; the agents come back by their backoff. */
  drop(): void;
  stop(): void;
}

export function startFleet(o: FleetOptions): Fleet {
  const stats = new Map<number, SimulatorStats>();
  const lists = {
    welcomeMs: [] as number[],
    stormDelayMs: [] as number[],
    stormAttemptMs: [] as number[],
    stormBackMs: [] as number[],
  };
  const children: ChildProcess[] = Array.from({ length: o.processes }, (_, p) => {
    const from = Math.floor((o.agents * p) / o.processes);
    const to = Math.floor((o.agents * (p + 1)) / o.processes);
    const c = fork(
      path.join(import.meta.dirname, 'fleet-simulator.ts'),
      [
        'simulate',
        o.cacheDir,
        o.target,
        String(from),
        String(to),
        o.hostRoot,
        String(o.inflight),
        String(o.rate / o.processes),
        String(o.maxBackoffMs ?? 60_000),
      ],
      { execArgv: ['--import', 'tsx', '--max-old-space-size=4096'] },
    );
    c.on('exit', (code) => o.onExit?.(p, code));
    c.on('message', (m: SimulatorStats) => {
      stats.set(p, m);
      for (const k of ['welcomeMs', 'stormDelayMs', 'stormAttemptMs', 'stormBackMs'] as const)
        lists[k].push(...m[k]);
    });
    return c;
  });
  return {
    sum: (k) => [...stats.values()].reduce((a, s) => a + s[k], 0),
    take: (k) => lists[k].splice(0),
    drop: () => {
      for (const c of children) c.send({ cmd: 'drop' } satisfies SimulatorCommand);
    },
    stop: () => {
      for (const c of children) c.kill('SIGKILL');
    },
  };
}

/** The q-quantile of sorted numbers (null when empty). */
export const quantile = (sorted: number[], q: number): number | null =>
  sorted[Math.floor((sorted.length - 1) * q)] ?? null;
