/**
 * Summarises a .cpuprofile (from BENCH_CPU_PROFILE or `node --cpu-prof`): where the
 * sampled main-thread time went, split into
 *  - sqlite: frames in better-sqlite3 and controller/store/sqlite. A better-sqlite3 call
 *    runs SQLite (and at COMMIT with synchronous=FULL, the WAL fsync) inside the native
 *    method, which the profiler charges to the JS frame that called it;
 *  - engine: controller/engine (claiming, running, group commit);
 *  - gc, idle (the event loop waiting: for timers, I/O or the next group commit),
 *    program (V8 and libuv outside any JS frame), and other JS;
 * then the functions with the most self time. Usage: tsx bench/profile-summary.ts FILE [N]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface Profile {
  nodes: Array<{ id: number; callFrame: CallFrame; children?: number[] }>;
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: tsx bench/profile-summary.ts FILE.cpuprofile [TOP]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
const parents = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parents.set(c, n.id);
const root = path.resolve(import.meta.dirname, '..');

/** A native method (better-sqlite3's run/get/all, crypto...) has no url: name its caller. */
function caller(id: number): CallFrame | undefined {
  for (let p = parents.get(id); p !== undefined; p = parents.get(p)) {
    const f = frames.get(p);
    if (f?.url) return f;
  }
  return undefined;
}

const where = (f: CallFrame) =>
  `${f.functionName || '(anonymous)'} ${f.url.replace(/^file:\/\//, '').replace(`${root}/`, '')}:${f.lineNumber + 1}`;

function category(f: CallFrame, from: CallFrame | undefined): string {
  if (f.functionName === '(idle)') return 'idle';
  if (f.functionName === '(garbage collector)') return 'gc';
  if (f.functionName === '(program)') return 'program';
  const url = f.url || from?.url || '';
  // Profiler.stop itself, sampled while the profile is being built.
  if (url === 'node:inspector') return 'profiler';
  if (/better-sqlite3|controller\/store\/sqlite\//.test(url)) return 'sqlite';
  if (url.includes('controller/engine/')) return 'engine';
  return 'other JS';
}

const byCategory = new Map<string, number>();
const byFunction = new Map<string, number>();
let total = 0;
profile.samples.forEach((id, i) => {
  // timeDeltas[i] is the time since the previous sample: charge it to this sample.
  const us = profile.timeDeltas[i] ?? 0;
  const f = frames.get(id);
  if (!f) return;
  const from = f.url || f.functionName.startsWith('(') ? undefined : caller(id);
  const cat = category(f, from);
  if (cat === 'profiler') return;
  total += us;
  byCategory.set(cat, (byCategory.get(cat) ?? 0) + us);
  const key = f.url ? where(f) : `${f.functionName}${from ? ` <- ${where(from)}` : ''}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
});

const ms = (us: number) => (us / 1000).toFixed(1).padStart(8);
const share = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
console.log(`${ms(total)} ms sampled on the main thread`);
for (const [cat, us] of [...byCategory].sort((a, b) => b[1] - a[1]))
  console.log(`${ms(us)} ms ${share(us)}  ${cat}`);
console.log('\nmost self time:');
for (const [key, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, Number(topArg ?? 25)))
  console.log(`${ms(us)} ms ${share(us)}  ${key}`);
