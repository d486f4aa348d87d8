/** Builds the web console into dist/web when it is missing or stale (npm ci's prepare does too). */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

export function ensureConsoleBuilt(): void {
  const root = path.join(import.meta.dirname, '..', '..');
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'build-console.mjs')], {
    cwd: root,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`the console build failed:\n${r.stdout}\n${r.stderr}`);
}
