import { describe, expect, it } from 'vitest';
import { compileAgentlessOptions } from '../../../controller/agentless/agentless-options';
import { SessionPool } from '../../../controller/agentless/session-pool';
import { loadConfig } from '../../../controller/config/load-config';
import type { HostSession } from '../../../shared/session/host-session';

const config = loadConfig({
  KEYWARDEN_DATA_DIR: '/nonexistent',
  KEYWARDEN_SSH_MAX_SESSIONS: '4',
  KEYWARDEN_SSH_MAX_SESSIONS_PER_HOST: '9',
});

describe('agentless options', () => {
  it('take the pool limits from the config, once, frozen; a host never holds more than the pool', () => {
    const o = compileAgentlessOptions(config);
    expect(o.pool).toEqual({ maxSessions: 4, maxSessionsPerHost: 4, idleMs: config.sshIdleMs });
    expect(o.timeouts).toEqual({ connectTimeoutMs: 10_000, keepaliveIntervalMs: 15_000 });
    expect(Object.isFrozen(o.pool) && Object.isFrozen(o.timeouts)).toBe(true);
  });

  it('refuse a limit that cannot work, naming it', () => {
    expect(() => compileAgentlessOptions(config, { pool: { maxSessions: 0 } })).toThrow(
      expect.objectContaining({
        code: 'INVALID_CONFIG',
        details: expect.objectContaining({ field: 'maxSessions' }),
      }),
    );
    expect(() => compileAgentlessOptions(config, { timeouts: { connectTimeoutMs: -5 } })).toThrow(
      /connectTimeoutMs/,
    );
  });
});

describe('session pool', () => {
  it('closes every idle session at once when asked, and keeps the busy ones', async () => {
    const closed: string[] = [];
    const session = (name: string) =>
      ({ close: async () => void closed.push(name) }) as unknown as HostSession;
    const pool = new SessionPool({ maxSessions: 4, maxSessionsPerHost: 2, idleMs: 60_000 });
    const signal = new AbortController().signal;
    const a = await pool.acquire('h1', 'k', async () => session('a'), signal);
    const b = await pool.acquire('h2', 'k', async () => session('b'), signal);
    a.release(true);
    expect(pool.stats()).toMatchObject({ open: 2, idle: 1, busy: 1 });
    pool.closeAllIdle();
    expect(pool.stats()).toMatchObject({ open: 1, idle: 0, busy: 1 });
    expect(closed).toEqual(['a']);
    b.release(true);
    await pool.stop();
    expect(closed).toEqual(['a', 'b']);
  });
});
