/** Real keywarden-agent processes for tests: each its own state dir and root prefix ("host"). */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

/** A fake host: a root prefix with /etc/passwd and /etc/group. */
export function makeFakeHost(name: string, users: string[] = ['alice', 'bob']): string {
  const dir = mkdtempSync(path.join(tmpdir(), `kw-host-${name}-`));
  mkdirSync(path.join(dir, 'etc'), { recursive: true });
  const uid = process.getuid?.() ?? 0;
  writeFileSync(
    path.join(dir, 'etc/passwd'),
    [
      'root:x:0:0:root:/root:/bin/bash',
      ...users.map((u, i) => `${u}:x:${uid + i + 1}:${uid + i + 1}::/home/${u}:/bin/bash`),
    ].join('\n') + '\n',
  );
  writeFileSync(
    path.join(dir, 'etc/group'),
    ['root:x:0:', ...users.map((u, i) => `${u}:x:${uid + i + 1}:`)].join('\n') + '\n',
  );
  return dir;
}

export interface AgentProcess {
  proc: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/** The product agent: agent/main.ts through tsx, or the built executable when given. */
export function agentCommand(): string[] {
  return process.env.KEYWARDEN_TEST_AGENT_BINARY
    ? [process.env.KEYWARDEN_TEST_AGENT_BINARY]
    : [process.execPath, '--import', 'tsx', path.join(root, 'agent/main.ts')];
}

/** The variables of the test-only faults agent-test-main.ts adds. */
export const TEST_AGENT_HOOK_VARIABLES = [
  'KEYWARDEN_TEST_AGENT_EXIT_AFTER_RESULT',
  'KEYWARDEN_TEST_AGENT_SLOW_OPERATIONS',
  'KEYWARDEN_TEST_AGENT_OMIT_CAPABILITIES',
] as const;

/** The same agent command line with the test-only faults of agent-test-main.ts. */
export function testAgentCommand(): string[] {
  return [process.execPath, '--import', 'tsx', path.join(root, 'test/helpers/agent-test-main.ts')];
}

/**
 * Spawns the product agent, or the test agent when `env` asks for a test fault (those
 * exist only in the test wrapper, not in the product or a built executable).
 */
export function spawnAgent(
  args: string[],
  env: Record<string, string> = {},
  command?: string[],
): AgentProcess {
  const hooks = TEST_AGENT_HOOK_VARIABLES.filter((v) => env[v] !== undefined);
  if (hooks.length > 0 && command)
    throw new Error(
      `${hooks.join(', ')} need the test agent (testAgentCommand()), not ${command[0]}`,
    );
  const [bin, ...pre] = command ?? (hooks.length > 0 ? testAgentCommand() : agentCommand());
  const proc = spawn(bin!, [...pre, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    proc.once('exit', (code) => resolve(code)),
  );
  return {
    proc,
    output: () => out,
    exited,
    kill: async (signal = 'SIGTERM') => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}

export async function waitFor<T>(
  what: string | (() => string | Promise<string>),
  fn: () => Promise<T | null | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until)
      throw new Error(`timed out waiting for ${typeof what === 'string' ? what : await what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
