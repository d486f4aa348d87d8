/**
 * A real keywarden-agent process (agent/main.ts) started with a wrong setting stops at
 * once with a message naming the variable, the value and what was expected. Before the
 * agent's settings were compiled once, KEYWARDEN_AGENT_MAX_BACKOFF_MS=abc became a NaN
 * backoff cap: the agent ran, and after a controller outage retried with no delay at all.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgentCluster, type AgentCluster } from '../../helpers/agent-cluster';
import { spawnAgent, type AgentProcess } from '../../helpers/agent-processes';

const expected = 'expected a whole number of milliseconds from 100 to 86400000';

/** The exit status, or a failure with the output if the agent is still running. */
async function exitOf(agent: AgentProcess, what: string): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const stillRunning = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: the agent is still running:\n${agent.output()}`)),
      20_000,
    );
  });
  try {
    return await Promise.race([agent.exited, stillRunning]);
  } finally {
    clearTimeout(timer);
    await agent.kill('SIGKILL');
  }
}

describe('agent settings: a wrong value stops the agent, named', () => {
  let cluster: AgentCluster;
  beforeAll(async () => {
    cluster = await startAgentCluster();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it.each(['abc', '-1000'])(
    'an enrolled agent run with KEYWARDEN_AGENT_MAX_BACKOFF_MS=%s exits non-zero and says why',
    async (value) => {
      const agent = await cluster.addAgent(`bad-backoff-${value.replace(/\W/g, '')}`);
      const proc = agent.start({ KEYWARDEN_AGENT_MAX_BACKOFF_MS: value });
      expect(await exitOf(proc, `KEYWARDEN_AGENT_MAX_BACKOFF_MS=${value}`)).toBe(1);
      expect(proc.output()).toContain(
        `keywarden-agent: INVALID_CONFIG: setting KEYWARDEN_AGENT_MAX_BACKOFF_MS="${value}" is invalid: ${expected}`,
      );
      // Stopped before connecting: the controller never heard from it.
      expect(proc.output()).not.toMatch(/"msg":"connected"/);
    },
  );

  it('enroll refuses the wrong value too, before reading the ICB', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kw-agent-config-'));
    try {
      const proc = spawnAgent(
        ['enroll', '--icb', path.join(dir, 'missing.icb'), '--state-dir', dir],
        { KEYWARDEN_AGENT_MAX_BACKOFF_MS: 'soon' },
      );
      expect(await exitOf(proc, 'enroll')).toBe(1);
      expect(proc.output()).toContain(
        `setting KEYWARDEN_AGENT_MAX_BACKOFF_MS="soon" is invalid: ${expected}`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
