/**
 * A reconnect storm: a few hundred agents (real grpc-js clients with their own client
 * certificates, in two simulator processes: bench/fleet-simulator.ts) hold streams to one
 * controller, every stream is cut at once, and the agents come back by the agent's own
 * backoff (agent/reconnect-backoff.ts) while the admin API is called in a loop. What a
 * user would see: every agent connected again (a new connection in its record), the
 * returns spread over the jitter window rather than one burst, and every API call
 * answered. How fast is the bench's business (`npm run bench:fleet -- --storm` reports
 * the API's p99 during the storm); here nothing is timed but generous safety bounds.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { agentId, issueSmallFleet } from '../../../bench/fleet-certs';
import { registerSimulatedAgents, startFleet, type Fleet } from '../../../bench/fleet-harness';
import { freePort, waitFor } from '../../helpers/agent-processes';
import { startTestController, type TestController } from '../../helpers/test-controller';

const AGENTS = 300;
/** The first attempt after a welcomed stream drops is drawn over [0, 1 s) (failures = 1). */
const FIRST_WINDOW_MS = 1000;

describe('reconnect storm', () => {
  let ctl: TestController | undefined;
  let fleet: Fleet | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    fleet?.stop();
    await ctl?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    fleet = ctl = dir = undefined;
  });

  it('every agent cut at once comes back, spread by its jittered backoff, while every API call is answered', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'kw-storm-'));
    const { caDir } = await issueSmallFleet(dir, AGENTS);
    const port = await freePort();
    ctl = await startTestController({
      env: {
        KEYWARDEN_CA_DIR: caDir,
        KEYWARDEN_GRPC_ADDR: `127.0.0.1:${port}`,
        KEYWARDEN_ENROLL_ADDR: '127.0.0.1:0',
      },
    });
    const c = ctl;
    const { store } = c.services;
    await registerSimulatedAgents(store, AGENTS, dir);
    const hostRoot = path.join(dir, 'host');
    mkdirSync(hostRoot);
    fleet = startFleet({
      cacheDir: dir,
      target: `127.0.0.1:${port}`,
      hostRoot,
      agents: AGENTS,
      processes: 2,
      inflight: 16,
      rate: 200,
    });
    const f = fleet;
    const ids = Array.from({ length: AGENTS }, (_, i) => agentId(i));
    const connections = async () =>
      Promise.all(ids.map(async (id) => (await store.agentFleet.agents.get(id))?.connectionId));
    await waitFor(
      () => `all ${AGENTS} agents connected (${f.sum('connected')} are)`,
      async () => f.sum('connected') === AGENTS && (await connections()).every(Boolean),
      240_000,
    );
    const before = await connections();
    f.take('stormDelayMs');

    // The admin API, called in a loop for the whole storm.
    const calls: Array<{ path: string; status: number }> = [];
    let storming = true;
    const prober = (async () => {
      for (let i = 0; storming; i++) {
        const p = i % 2 ? `/api/v1/agents/${ids[i % AGENTS]}` : '/api/v1/hosts?limit=50';
        const res = await c.api('GET', p).catch(() => ({ status: 0 }));
        calls.push({ path: p, status: res.status });
        await new Promise((r) => setTimeout(r, 20));
      }
    })();

    f.drop();
    const delays: number[] = [];
    const back: number[] = [];
    await waitFor(
      () => `all ${AGENTS} agents back after the cut (${back.length} are)`,
      async () => {
        delays.push(...f.take('stormDelayMs'));
        back.push(...f.take('stormBackMs'));
        if (back.length < AGENTS || f.sum('connected') < AGENTS) return false;
        const now = await connections();
        return now.every((conn, i) => conn && conn !== before[i]);
      },
      240_000,
    );
    storming = false;
    await prober;

    // Every agent holds a new connection, recorded by the controller.
    const after = await connections();
    expect(after.filter((conn, i) => conn && conn !== before[i])).toHaveLength(AGENTS);
    // Each agent drew its first delay over the whole window (full jitter): every quarter
    // of it holds a fair share of the fleet, instead of all returning in one instant.
    expect(delays).toHaveLength(AGENTS);
    expect(Math.max(...delays)).toBeLessThan(FIRST_WINDOW_MS);
    const quarters = [0, 1, 2, 3].map(
      (q) =>
        delays.filter((d) => d >= (q * FIRST_WINDOW_MS) / 4 && d < ((q + 1) * FIRST_WINDOW_MS) / 4)
          .length,
    );
    for (const n of quarters) expect(n).toBeGreaterThan(AGENTS * 0.15);
    // The admin API answered every call made during the storm.
    expect(calls.length).toBeGreaterThan(5);
    expect(calls.filter((x) => x.status !== 200)).toEqual([]);
  }, 600_000);
});
