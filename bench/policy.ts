/**
 * bench:policy — policy evaluation at fleet size, on the synthetic inventory of bench:access
 * (default 10,000 hosts x 20 accounts, 2,000,000 authorized-key lines; `--hosts N` or
 * BENCH_POLICY_HOSTS scales it), written by a child process into a SQLite store
 * (BENCH_POLICY_STORE=mongodb: the MongoDB test server, FerretDB).
 *
 * Measured in this process, with the default policies a controller seeds (`--worst-case`
 * adds one that watches every account for unmanaged keys, so that nearly every line of the
 * synthetic inventory is a finding and the first run raises ~1.9 million alerts):
 * - the internal-reporting job's run (host walk, full policy evaluation, daily block), the
 *   first time (every alert raised) and again (nothing changed: the steady daily cost);
 * - the incremental evaluation after one host's scan changed it (a line removed, a 1024-bit
 *   RSA key for root added), for several hosts: p50 / max.
 * Peak RSS is the process's high-water mark (getrusage), after each phase. One JSON line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import type { JobContext } from '../controller/engine/job-definition';
import { internalReporting } from '../controller/jobs/internal-reporting';
import { seedDefaultPolicies } from '../controller/policy/default-policies';
import { evaluateHostPolicies } from '../controller/policy/evaluate-host';
import { openStore } from '../controller/store/open-store';
import { inventoryItemKey } from '../controller/store/inventory-records';
import type { Store } from '../controller/store/store';
import { startFerretDb } from '../test/helpers/ferretdb';
import { fingerprintOf, hostIdOf, type InventorySize } from './access-inventory';
import { populateInChild } from './populate-inventory';

const { values: flags } = parseArgs({
  options: {
    hosts: { type: 'string' },
    incremental: { type: 'string' },
    'worst-case': { type: 'boolean', default: false },
  },
});
const HOSTS = Number(flags.hosts ?? process.env.BENCH_POLICY_HOSTS ?? 10_000);
const INCREMENTAL = Number(flags.incremental ?? 20);
const size: InventorySize = {
  hosts: HOSTS,
  accountsPerHost: 20,
  keys: HOSTS * 20,
  linesPerAccount: 10,
};
const NOW = Date.UTC(2026, 10, 1);
const say = (what: string) => process.stderr.write(`bench:policy: ${what}\n`);
const round = (x: number) => Math.round(x * 10) / 10;
const peakRssMB = () => Math.round(process.resourceUsage().maxRSS / 1024);

/** internal-reporting's run with the parts of a job context it uses. */
async function runInternalReporting(store: Store, now: number) {
  const ctx = {
    store,
    now: () => now,
    log: pino({ level: 'silent' }),
    signal: new AbortController().signal,
    heartbeat: async () => undefined,
  } as unknown as JobContext;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const result = (await internalReporting.run({}, ctx)) as {
    policies: { findings: number; raised: number; resolved: number; ms: number };
  };
  const cpu = process.cpuUsage(cpu0);
  return {
    ...result.policies,
    ms: performance.now() - t0,
    evaluationMs: result.policies.ms,
    cpuS: round((cpu.user + cpu.system) / 1e6),
  };
}

/** What a scan of host h finds after someone edited it: one line gone, a weak root key added. */
async function changeHost(store: Store, h: number, now: number) {
  const hostId = hostIdOf(h);
  const items = await store.inventory.items.list('authorized-key', { hostId });
  const kept = items.slice(1).map(({ kind, key, account, fingerprint, data }) => ({
    kind,
    hostId,
    key,
    account,
    fingerprint,
    data,
  }));
  const fingerprint = fingerprintOf(10_000_000 + h);
  const file = '/root/.ssh/authorized_keys';
  kept.push({
    kind: 'authorized-key',
    hostId,
    key: inventoryItemKey('authorized-key', { account: 'root', file, fingerprint }),
    account: 'root',
    fingerprint,
    data: {
      file,
      line: 1,
      options: [],
      type: 'ssh-rsa',
      bits: 1024,
      comment: 'weak',
      managed: false,
    },
  });
  await store.inventory.items.sync('authorized-key', hostId, kept, now);
  return hostId;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-bench-policy-'));
  const mongo = process.env.BENCH_POLICY_STORE === 'mongodb' ? await startFerretDb() : null;
  const url = mongo ? mongo.url : `sqlite:${path.join(dir, 'keywarden.db')}`;
  try {
    say(`populating ${url.split(':')[0]} with ${HOSTS} hosts`);
    const populated = await populateInChild(url, size, NOW);
    say(`populated in ${Math.round(populated.ms / 1000)} s`);
    const store = await openStore(url);
    try {
      await seedDefaultPolicies(store, NOW);
      if (flags['worst-case'])
        await store.policies.create(
          'bench-unmanaged-any-account',
          {
            name: 'Unmanaged access, any account',
            description: 'every authorized key no authorization covers',
            enabled: true,
            severity: 'info',
            scope: {},
            rule: { kind: 'unmanaged-key' },
          },
          'bench',
          NOW,
        );
      const rssStart = peakRssMB();
      say('internal-reporting, first run (raises every alert)');
      const first = await runInternalReporting(store, NOW);
      const rssFirst = peakRssMB();
      say(`first run ${Math.round(first.ms / 1000)} s; again (nothing changed)`);
      const steady = await runInternalReporting(store, NOW + 60_000);
      const rssSteady = peakRssMB();
      say(`steady run ${Math.round(steady.ms / 1000)} s; incremental`);
      const times: number[] = [];
      let raised = 0;
      let resolved = 0;
      for (let i = 0; i < INCREMENTAL; i++) {
        const h = Math.floor((i * HOSTS) / INCREMENTAL);
        const now = NOW + 120_000 + i;
        const hostId = await changeHost(store, h, now);
        const t0 = performance.now();
        const r = await evaluateHostPolicies(store, hostId, {
          now,
          reason: `cause gone after scan of ${hostId}`,
        });
        times.push(performance.now() - t0);
        raised += r.raised;
        resolved += r.resolved;
      }
      const sorted = [...times].sort((a, b) => a - b);
      process.stdout.write(
        `${JSON.stringify({
          bench: 'policy',
          store: mongo ? 'mongodb (FerretDB)' : 'sqlite',
          hosts: HOSTS,
          authorizedKeyLines: populated.lines,
          keyUsageRows: populated.uses,
          populateS: round(populated.ms / 1000),
          policies: (await store.policies.list()).length,
          worstCase: flags['worst-case'],
          fullFirstRun: {
            s: round(first.ms / 1000),
            evaluationS: round(first.evaluationMs / 1000),
            cpuS: first.cpuS,
            findings: first.findings,
            raised: first.raised,
            peakRssMB: rssFirst,
          },
          fullSteadyRun: {
            s: round(steady.ms / 1000),
            evaluationS: round(steady.evaluationMs / 1000),
            cpuS: steady.cpuS,
            findings: steady.findings,
            raised: steady.raised,
            resolved: steady.resolved,
            peakRssMB: rssSteady,
          },
          rssBeforeEvaluationMB: rssStart,
          incremental: {
            hosts: INCREMENTAL,
            p50Ms: round(sorted[Math.floor(sorted.length / 2)] ?? NaN),
            maxMs: round(sorted.at(-1) ?? NaN),
            raised,
            resolved,
          },
          cpus: cpus().length,
          loadavg: loadavg().map(round),
        })}\n`,
      );
    } finally {
      await store.close();
    }
  } finally {
    await mongo?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
