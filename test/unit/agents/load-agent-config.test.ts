/**
 * The agent's settings are compiled once: defaults, environment, command-line options,
 * validated and frozen. A wrong value is refused with the variable, the value and what was
 * expected, never turned into NaN (a NaN backoff cap made every reconnect immediate).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAgentConfig } from '../../../agent/config/load-agent-config';

const refusal = (fn: () => unknown): { code?: string; message: string } => {
  try {
    fn();
  } catch (err) {
    return err as { code?: string; message: string };
  }
  throw new Error('expected the settings to be refused');
};

describe('agent settings', () => {
  it('defaults, then environment, then command-line options; frozen', () => {
    expect(loadAgentConfig({}, {})).toEqual({
      stateDir: '/var/lib/keywarden-agent',
      rootPrefix: '/',
      maxBackoffMs: 60_000,
      hostname: undefined,
    });
    const c = loadAgentConfig(
      { stateDir: '/from/option' },
      {
        KEYWARDEN_AGENT_STATE_DIR: '/from/env',
        KEYWARDEN_AGENT_ROOT_PREFIX: '/host',
        KEYWARDEN_AGENT_MAX_BACKOFF_MS: '1000',
        KEYWARDEN_AGENT_HOSTNAME: 'web-1',
      },
    );
    expect(c).toEqual({
      stateDir: '/from/option',
      rootPrefix: '/host',
      maxBackoffMs: 1000,
      hostname: 'web-1',
    });
    expect(Object.isFrozen(c)).toBe(true);
    // An empty variable is unset, as in the controller's loader.
    expect(loadAgentConfig({}, { KEYWARDEN_AGENT_MAX_BACKOFF_MS: '' }).maxBackoffMs).toBe(60_000);
  });

  it.each(['abc', '-5', '0', '1.5', '1e3', '0x10', '99', '86400001', 'NaN', ' '])(
    'refuses KEYWARDEN_AGENT_MAX_BACKOFF_MS=%j naming the variable, the value and what is expected',
    (value) => {
      const err = refusal(() => loadAgentConfig({}, { KEYWARDEN_AGENT_MAX_BACKOFF_MS: value }));
      expect(err.code).toBe('INVALID_CONFIG');
      expect(err.message).toBe(
        `setting KEYWARDEN_AGENT_MAX_BACKOFF_MS=${JSON.stringify(value)} is invalid: expected a whole number of milliseconds from 100 to 86400000`,
      );
    },
  );

  it('names the command-line option when the option is the wrong value', () => {
    const err = refusal(() => loadAgentConfig({ rootPrefix: '  ' }, {}));
    expect(err.message).toMatch(/^setting --root-prefix=" {2}" is invalid: expected a non-empty/);
  });

  it('the loader is the only reader of the environment in agent/', () => {
    const root = path.resolve(import.meta.dirname, '../../../agent');
    const readers = (readdirSync(root, { recursive: true }) as string[])
      .filter((f) => f.endsWith('.ts'))
      .filter((f) => /process\.env\b/.test(readFileSync(path.join(root, f), 'utf8')));
    expect(readers).toEqual([path.join('config', 'load-agent-config.ts')]);
  });
});
