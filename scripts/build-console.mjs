#!/usr/bin/env node
/* global process, console */
/**
 * Builds the web console (web/ → dist/web) with Vite when the output is missing or older
 * than its sources, so `npm ci` (the prepare script) and `npm start` (prestart) both leave
 * a current console without rebuilding one that is. `--force` always builds. Offline: Vite
 * and the libraries come from node_modules; nothing is downloaded.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'web');
const stamp = join(out, '.source-hash');

/** A hash of every source of the build: web/ and the lock file (library versions). */
function sourceHash() {
  const h = createHash('sha256');
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else h.update(p.slice(root.length)).update(readFileSync(p));
    }
  };
  walk(join(root, 'web'));
  h.update(readFileSync(join(root, 'package-lock.json')));
  return h.digest('hex');
}

const hash = sourceHash();
const fresh =
  existsSync(join(out, 'index.html')) &&
  existsSync(stamp) &&
  readFileSync(stamp, 'utf8').trim() === hash;
if (fresh && !process.argv.includes('--force')) process.exit(0);

const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
if (!existsSync(vite)) {
  // A production install without dev dependencies: serve what was built, if anything.
  console.error(
    `build-console: vite is not installed (npm ci without --omit=dev installs it); ${existsSync(join(out, 'index.html')) ? 'serving the console built before' : 'the console is not built'}`,
  );
  process.exit(0);
}
const started = Date.now();
const r = spawnSync(
  process.execPath,
  [vite, 'build', '--config', join(root, 'web', 'vite.config.ts')],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
if (r.status !== 0) {
  console.error('build-console: the console build failed (see above)');
  process.exit(r.status ?? 1);
}
writeFileSync(stamp, `${hash}\n`);
console.log(`build-console: web console built into dist/web in ${Date.now() - started} ms`);
