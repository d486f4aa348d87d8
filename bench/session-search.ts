/**
 * bench:session-search — full-text search over recorded sessions. Indexes N synthetic
 * sessions (default 10,000, `--sessions N` or BENCH_SESSIONS; bench/session-sessions.ts:
 * 8-32 commands each, realistic admin command mixes and output) the way the robots do
 * (the converter's putLog, then the indexer's index, one session at a time), then times
 * searches, each over a varied query so no single result is cached:
 * - word: one word anywhere (a service name, a request id);
 * - phrase: an exact phrase of log output ("permission denied while opening");
 * - commandHostTime: a command line on one host within a 14-day window.
 * SQLite by default; `--store mongodb` (or BENCH_STORE) the MongoDB test server (FerretDB,
 * or KEYWARDEN_BENCH_MONGODB_URL). One JSON line on stdout.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openSqliteStore } from '../controller/store/sqlite/open-sqlite-store';
import type { SessionSearch } from '../controller/store/session-text-records';
import type { Store } from '../controller/store/store';
import { mongoForBench } from './mongodb-for-bench';
import { HOSTS, SPAN_MS, START, hostIdOf, rng, syntheticSession } from './session-sessions';

const { values: flags } = parseArgs({
  options: {
    sessions: { type: 'string' },
    store: { type: 'string' },
    queries: { type: 'string' },
  },
});
const SESSIONS = Number(flags.sessions ?? process.env.BENCH_SESSIONS ?? 10_000);
const STORE = flags.store ?? process.env.BENCH_STORE ?? 'sqlite';
const QUERIES = Number(flags.queries ?? 200);
const say = (what: string) => process.stderr.write(`bench:session-search: ${what}\n`);
const round = (x: number) => Math.round(x * 100) / 100;

function percentiles(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => round(s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN);
  return { p50Ms: at(0.5), p99Ms: at(0.99), maxMs: round(s.at(-1) ?? NaN) };
}

async function timeQueries(store: Store, make: (i: number) => SessionSearch) {
  const ms: number[] = [];
  let hits = 0;
  for (let i = 0; i < QUERIES; i++) {
    const q = make(i);
    const t = performance.now();
    const page = await store.sessionTexts.search(q);
    ms.push(performance.now() - t);
    hits += page.sessions.length;
  }
  return { ...percentiles(ms), meanSessionsPerPage: round(hits / QUERIES) };
}

async function main() {
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-bench-sessions-'));
  const mongo = STORE === 'mongodb' ? await mongoForBench() : null;
  const store = mongo ? mongo.store : openSqliteStore(path.join(dir, 'keywarden.db'));
  try {
    say(`indexing ${SESSIONS} sessions into ${mongo ? mongo.server : 'SQLite'}`);
    let commands = 0;
    let textChars = 0;
    const t0 = performance.now();
    for (let i = 0; i < SESSIONS; i++) {
      const s = syntheticSession(i);
      const now = s.session.endedAt ?? s.session.startedAt;
      await store.sessionTexts.putLog(s.session, s.log, now);
      await store.sessionTexts.index(s.session, s.commands, now);
      commands += s.commands.length;
      for (const c of s.commands) textChars += c.command.length + c.text.length;
      if (i % 1000 === 999) say(`${i + 1} sessions, ${Math.round(performance.now() - t0)} ms`);
    }
    const indexMs = performance.now() - t0;
    const r = rng(42);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
    say('searching');
    const word = await timeQueries(store, () => ({
      words: pick(['kafka', 'haproxy', 'payments', 'billing', 'timed', 'postgres', 'fast-forward']),
    }));
    const phrase = await timeQueries(store, () => ({
      phrase: pick([
        'permission denied while opening',
        'connection timed out',
        'active (running) since',
        'reading package lists',
        'upstream timed out',
      ]),
    }));
    const commandHostTime = await timeQueries(store, () => {
      const from = START + Math.floor(r() * (SPAN_MS - 14 * 86_400_000));
      return {
        command: pick(['systemctl restart', 'git pull', 'tail -n 40', 'docker ps', 'df -h']),
        hostId: hostIdOf(Math.floor(r() * HOSTS)),
        from,
        to: from + 14 * 86_400_000,
      };
    });
    process.stdout.write(
      `${JSON.stringify({
        bench: 'session-search',
        store: mongo ? mongo.server : 'sqlite',
        sessions: SESSIONS,
        commands,
        textMB: round(textChars / 1e6),
        index: {
          totalS: round(indexMs / 1000),
          perSessionMs: round(indexMs / SESSIONS),
        },
        queriesEach: QUERIES,
        word,
        phrase,
        commandHostTime,
        peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
        cpus: cpus().length,
        loadavg: loadavg().map(round),
      })}\n`,
    );
  } finally {
    await store.close().catch(() => undefined);
    await mongo?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
