/**
 * The agent package embeds the node that builds it, and runs as root on every host: the
 * build refuses a runtime past its end of life, a non-LTS line, or one older than engines.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { enginesMinimumMajor, runtimeRefusal } from '../../../packaging/node-release-schedule';

const root = path.resolve(import.meta.dirname, '../../..');
const day = (iso: string) => new Date(`${iso}T12:00:00Z`);

describe('Node.js runtime for the agent package', () => {
  it('accepts the pinned LTS line until its end of life, and refuses it after', () => {
    expect(runtimeRefusal('v24.22.3', 24, day('2026-11-30'))).toBeUndefined();
    expect(runtimeRefusal('v24.22.3', 24, day('2028-04-30'))).toBeUndefined();
    expect(runtimeRefusal('v24.30.0', 24, day('2028-05-01'))).toBe(
      'Node.js v24.30.0 reached end of life on 2028-04-30 and gets no security fixes: move the project to a supported LTS line (docs/runtime.md)',
    );
  });

  it('refuses Node 20 (end of life 2026-04-30), older than engines, and a non-LTS line', () => {
    expect(runtimeRefusal('v20.20.2', 20, day('2026-11-30'))).toMatch(
      /^Node\.js v20\.20\.2 reached end of life on 2026-04-30 and gets no security fixes/,
    );
    expect(runtimeRefusal('v22.22.0', 24, day('2026-11-30'))).toMatch(
      /^Node\.js v22\.22\.0 is older than the project's runtime \(engines >=24\): run `npm ci`/,
    );
    expect(runtimeRefusal('v25.9.0', 24, day('2026-05-01'))).toMatch(
      /^Node\.js v25\.9\.0 is not a long-term support line/,
    );
    expect(runtimeRefusal('v27.0.0', 24, day('2027-05-01'))).toMatch(
      /not a long-term support line/,
    );
  });

  it('reads the minimum from engines and says what it expected otherwise', () => {
    expect(enginesMinimumMajor('>=24')).toBe(24);
    expect(() => enginesMinimumMajor('^24.1.0')).toThrow(
      'package.json engines.node should read ">=MAJOR", found "^24.1.0"',
    );
  });

  const oldNode =
    existsSync('/usr/bin/node') &&
    Number(
      spawnSync('/usr/bin/node', ['-p', 'process.versions.node'], {
        encoding: 'utf8',
      }).stdout.split('.')[0],
    ) < 24
      ? '/usr/bin/node'
      : undefined;
  it.skipIf(!oldNode)(
    'npm run package:agent on the system Node 20 refuses, building nothing',
    () => {
      const run = spawnSync(oldNode!, ['--import', 'tsx', 'packaging/build-agent.ts'], {
        cwd: root,
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(run.status, run.stdout + run.stderr).toBe(1);
      expect(run.stderr).toMatch(
        /^package:agent: refusing to package the agent on \/usr\/bin\/node: Node\.js v20\.\d+\.\d+ is older than the project's runtime \(engines >=24\)/,
      );
      expect(run.stdout).toBe('');
    },
  );
});
