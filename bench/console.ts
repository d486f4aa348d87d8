/**
 * bench:console — how long the web console's dashboard takes to show its data with 10,000
 * hosts in the store (BENCH_CONSOLE_HOSTS sets another number). A real controller on a
 * fresh embedded store gets the hosts (spread over every state and both kinds), runs
 * internal-calculate-statistics once, and Debian's headless Chromium opens /dashboard
 * signed in: the time is from the start of the page load to the charts' data on screen
 * (the page's own clock), over several loads. Prints one JSON line.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { HOST_STATES, type NewHost } from '../controller/store/host-records';
import { ensureConsoleBuilt } from '../test/helpers/console-build';
import { launchConsoleBrowser } from '../test/helpers/console-browser';
import { startTestController } from '../test/helpers/test-controller';

const HOSTS = Number(process.env.BENCH_CONSOLE_HOSTS) || 10_000;
const LOADS = 7;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const round = (x: number) => Math.round(x * 10) / 10;

async function main(): Promise<void> {
  ensureConsoleBuilt();
  const ctl = await startTestController();
  const cb = await launchConsoleBrowser();
  try {
    const store = ctl.services.store;
    const now = Date.now();
    for (let i = 0; i < HOSTS; i += 5000) {
      const batch: NewHost[] = [];
      for (let j = i; j < Math.min(HOSTS, i + 5000); j++)
        batch.push({
          id: `bench-${String(j).padStart(6, '0')}`,
          name: `host-${j}`,
          address: `10.${(j >> 16) & 255}.${(j >> 8) & 255}.${j & 255}`,
          port: 22,
          kind: j % 3 === 0 ? 'agent' : 'agentless',
          state: HOST_STATES[j % HOST_STATES.length] as NewHost['state'],
          hostKeyFingerprint: null,
          managementAccount: null,
          agentId: null,
          os: null,
          sshProduct: null,
          lastSeenAt: null,
        });
      await store.hosts.createMany(batch, now);
    }

    const stats0 = performance.now();
    const started = await ctl.api<{ job: { id: string } }>('POST', '/api/v1/jobs', {
      body: { type: 'internal-calculate-statistics' },
    });
    for (;;) {
      const j = await ctl.api<{ state: string }>('GET', `/api/v1/jobs/${started.body.job.id}`);
      if (j.body.state === 'completed') break;
      if (['failed', 'cancelled', 'expired'].includes(j.body.state))
        throw new Error(`internal-calculate-statistics ended ${j.body.state}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const statisticsJobMs = performance.now() - stats0;
    const stats = await ctl.api<{ data: { hosts: { total: number } } }>(
      'GET',
      '/api/v1/reports/statistics',
    );
    if (stats.body.data.hosts.total < HOSTS)
      throw new Error(`statistics count ${stats.body.data.hosts.total} hosts, expected ${HOSTS}`);

    const { page } = await cb.open(ctl.url);
    await page.goto('/');
    await page.getByLabel('API token').fill(ctl.adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('dashboard-loaded').waitFor({ timeout: 30_000 });

    const loads: number[] = [];
    for (let i = 0; i < LOADS; i++) {
      await page.goto('/dashboard');
      // performance.now() counts from the start of this navigation.
      const at = await page.waitForFunction(
        () =>
          (
            globalThis as unknown as { document: { querySelector(s: string): unknown } }
          ).document.querySelector('[data-testid="dashboard-loaded"] canvas')
            ? performance.now()
            : null,
        undefined,
        { timeout: 30_000, polling: 'raf' },
      );
      loads.push((await at.jsonValue()) as number);
    }

    const api: number[] = [];
    for (let i = 0; i < LOADS; i++) {
      const t0 = performance.now();
      await ctl.api('GET', '/api/v1/reports/statistics');
      api.push(performance.now() - t0);
    }
    // What the dashboard's first load fetches: the files index.html names.
    const web = path.join(import.meta.dirname, '..', 'dist', 'web');
    const named = [
      ...readFileSync(path.join(web, 'index.html'), 'utf8').matchAll(
        /(?:src|href)="\/(assets\/[^"]+)"/g,
      ),
    ];
    const bundleKb =
      named.reduce((n, m) => n + statSync(path.join(web, m[1] as string)).size, 0) / 1024;
    console.log(
      JSON.stringify({
        bench: 'console',
        hosts: HOSTS,
        dashboardLoadMs: {
          p50: round(median(loads)),
          max: round(Math.max(...loads)),
          loads: LOADS,
        },
        statisticsApiMs: round(median(api)),
        statisticsJobMs: round(statisticsJobMs),
        firstLoadKb: round(bundleKb),
        under1s: Math.max(...loads) < 1000,
      }),
    );
  } finally {
    await cb.close();
    await ctl.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
