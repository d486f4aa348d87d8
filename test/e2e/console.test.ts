/**
 * The operator's walk through the web console in a real browser (Debian's Chromium,
 * headless): sign in with the admin token, add a host against a real sshd and watch its
 * discovery live, open its keys, change a robot's window and find the audit entry; then an
 * auditor sees no button that would change anything, and the API refuses the change if
 * the auditor forces it. Every screen is checked with axe-core and for CSP violations, and
 * saved as a screenshot under test-results/console/.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureConsoleBuilt } from '../helpers/console-build';
import {
  axeViolations,
  launchConsoleBrowser,
  screenshot,
  type ConsoleBrowser,
} from '../helpers/console-browser';
import { startSshdFleet, type FleetHost, type SshdFleet } from '../helpers/sshd-fleet';
import { startTestController, type TestController } from '../helpers/test-controller';

const WAIT = { timeout: 45_000 };

describe('the web console in a browser', () => {
  let fleet: SshdFleet;
  let h: FleetHost;
  let ctl: TestController;
  let cb: ConsoleBrowser;
  let page: Page;
  let problems: string[];
  let auditorToken = '';
  let hostId = '';

  /** The screen as it is: accessible, no CSP violation or script error, and saved. */
  const check = async (name: string) => {
    await page.getByRole('heading', { level: 1 }).first().waitFor(WAIT);
    expect(await axeViolations(page), `axe on ${name}`).toEqual([]);
    expect(problems.splice(0), `console of ${name}`).toEqual([]);
    await screenshot(page, name);
  };
  const nav = (name: string) =>
    page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name }).click();
  const signIn = async (token: string) => {
    await page.getByLabel('API token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Sections' }).waitFor(WAIT);
  };

  beforeAll(async () => {
    ensureConsoleBuilt();
    [fleet, ctl, cb] = await Promise.all([
      startSshdFleet({ count: 1 }),
      startTestController(),
      launchConsoleBrowser(),
    ]);
    h = fleet.hosts[0] as FleetHost;
    auditorToken = (
      await ctl.api<{ secret: string }>('POST', '/api/v1/tokens', {
        body: { name: 'walk-auditor', role: 'auditor' },
      })
    ).body.secret;
    ({ page, problems } = await cb.open(ctl.url));
  }, 120_000);

  afterAll(async () => {
    await cb?.close();
    await ctl?.stop();
    await fleet?.stop();
  });

  it('signs in with the admin token, kept in the tab only, and shows the dashboard', async () => {
    await page.goto('/');
    await page.getByRole('heading', { name: 'Keywarden' }).waitFor(WAIT);
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, '01-sign-in');
    await signIn(ctl.adminToken);
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor(WAIT);
    // The token is in this tab's session storage, never in a cookie or the address.
    expect(await page.evaluate(() => sessionStorage.getItem('keywarden.token'))).toBe(
      ctl.adminToken,
    );
    expect((await page.context().cookies()).length).toBe(0);
    expect(page.url()).not.toContain(ctl.adminToken);
    // A fresh store has no statistics: the robot runs from the button, and the charts appear.
    await page.getByRole('button', { name: 'Recalculate now' }).click();
    await page.getByTestId('dashboard-loaded').waitFor(WAIT);
    await page
      .getByRole('img', { name: /Jobs by state/ })
      .first()
      .waitFor(WAIT);
    await check('02-dashboard');
  });

  it('adds a host against a real sshd and shows its discovery live, then its keys', async () => {
    // From the keyboard: a link opens the page, focus moves to its heading, Tab goes on
    // to the page's first control.
    const focused = () =>
      page.evaluate('document.activeElement && document.activeElement.textContent');
    await page
      .getByRole('navigation', { name: 'Sections' })
      .getByRole('link', { name: 'Hosts' })
      .focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Hosts' }).waitFor(WAIT);
    await page.waitForFunction(
      "document.activeElement && document.activeElement.id === 'page-title'",
      undefined,
      WAIT,
    );
    expect(await focused()).toBe('Hosts');
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Add host');
    await page.keyboard.press('Enter');
    const form = page.getByRole('form', { name: 'Add an agentless host' });
    await form.getByLabel(/^Address/).fill(h.address);
    await form.getByLabel('SSH port').fill(String(h.port));
    await form.getByLabel('Management account').fill(h.account);
    await form.getByLabel('Initial password').fill(h.password);
    await form.getByLabel('Expected host key').fill(h.sshd.hostKeyFingerprint);
    await check('03-add-host');
    await form.getByRole('button', { name: 'Add and discover' }).click();
    await page.getByRole('heading', { name: `Host ${h.address}` }).waitFor(WAIT);
    hostId = decodeURIComponent(new URL(page.url()).pathname.split('/')[2] as string);
    // Marks this document: if the page were reloaded the mark would be gone.
    await page.evaluate(() => ((globalThis as unknown as { kwMark: number }).kwMark = 1));
    const jobs = page.getByRole('table', { name: `Newest jobs of ${h.address}` });
    // The discovery's jobs appear and end as they run, without a reload.
    await jobs
      .locator('tr[data-job-type="discover-host"][data-job-state="completed"]')
      .waitFor(WAIT);
    await jobs.locator('tr[data-job-type="scan-full"][data-job-state="completed"]').waitFor(WAIT);
    await page.locator('.page-head .state-monitored').waitFor(WAIT);
    // Its history shows the host key pinned and the state change, read again on the change.
    const history = page.getByRole('table', {
      name: 'Audit entries about this host, newest first',
    });
    await history.locator('tr[data-action="host.key.pinned"]').first().waitFor(WAIT);
    await history.locator('tr[data-action="host.state"]').first().waitFor(WAIT);
    expect(await page.evaluate(() => (globalThis as unknown as { kwMark?: number }).kwMark)).toBe(
      1,
    );
    await check('04-host');

    await page.getByRole('button', { name: 'Authorized keys' }).click();
    const keys = page.getByRole('table', { name: 'Authorized keys' });
    const keyLink = keys.getByRole('link').first();
    await keyLink.waitFor(WAIT);
    await check('05-host-keys');
    await keyLink.click();
    await page.getByRole('heading', { name: /Where it opens/ }).waitFor(WAIT);
    const opens = page.getByRole('table', { name: 'authorized_keys lines with this key' });
    await opens.getByRole('link', { name: hostId }).first().waitFor(WAIT);
    await check('06-key');
  });

  it("changes a robot's window after its warning, and the audit log shows the change", async () => {
    await nav('Robots');
    const row = page.locator('tr[data-robot="internal-purge-jobs"]');
    await row.waitFor(WAIT);
    await check('07-robots');
    await row.getByRole('button', { name: 'Change internal-purge-jobs' }).click();
    const dialog = page.getByRole('dialog', { name: 'Change internal-purge-jobs' });
    await dialog.getByRole('alert').filter({ hasText: 'can make data unavailable' }).waitFor(WAIT);
    await dialog.getByLabel('Window start').fill('01:30');
    await dialog.getByLabel('Window end').fill('03:45');
    await screenshot(page, '08-robot-change');
    expect(await axeViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Save the change' }).click();
    await page.getByRole('status').filter({ hasText: 'internal-purge-jobs changed' }).waitFor(WAIT);
    // The status comes with the save; the table's row follows when the list is read again.
    await row
      .getByTestId('window')
      .filter({ hasText: /^01:30–03:45$/ })
      .waitFor(WAIT);

    await nav('Audit');
    const entry = page
      .locator('tr[data-action="robot.update"]')
      .filter({ hasText: 'internal-purge-jobs' });
    await entry.first().waitFor(WAIT);
    expect(await entry.first().textContent()).toContain('03:45');
    await check('09-audit');
  });

  it('imports a CSV, and shows the job tree, the reports and the access graph', async () => {
    // An import from the console: its job page follows it live to its end.
    await nav('Hosts');
    await page.getByRole('button', { name: 'Import CSV' }).click();
    const upload = page.getByRole('form', { name: 'Import hosts from a CSV file' });
    await upload.getByLabel(/^CSV file/).setInputFiles({
      name: 'hosts.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(
        `address,port,management_account,password\n${h.address},${h.port},${h.account},x\n`,
      ),
    });
    await upload.getByRole('button', { name: 'Import' }).click();
    await page.getByRole('heading', { name: 'Job batch-import-processing' }).waitFor(WAIT);
    await page.getByTestId('job-progress').filter({ hasText: '(ended)' }).waitFor(WAIT);
    // The same endpoint again is reported, not added twice.
    expect(await page.locator('pre').textContent()).toContain('already exists');

    await nav('Jobs');
    await page.getByRole('link', { name: 'discover', exact: true }).first().click();
    await page.getByRole('heading', { name: 'Job discover' }).waitFor(WAIT);
    await page.getByRole('heading', { name: 'Children' }).waitFor(WAIT);
    await page.getByRole('link', { name: 'discover-host' }).waitFor(WAIT);
    await check('10-job');
    await nav('Reports');
    await page.getByRole('heading', { name: 'Tasks' }).waitFor(WAIT);
    await check('11-report-tasks');
    await page.getByRole('link', { name: 'Process', exact: true }).click();
    await page.getByRole('heading', { name: 'Process' }).waitFor(WAIT);
    await check('12-report-process');
    await page.getByRole('link', { name: 'In execution', exact: true }).click();
    await page.getByRole('heading', { name: 'In execution' }).waitFor(WAIT);
    await check('13-report-in-execution');
    await nav('Access graph');
    await page.goto(`/access?host=${encodeURIComponent(hostId)}`);
    await page.getByRole('heading', { name: 'Access graph' }).waitFor(WAIT);
    // The graph was built before the host was added: build it again from the page.
    await page.getByRole('button', { name: 'Rebuild the graph now' }).click();
    await page.getByRole('button', { name: 'Rebuild the graph now' }).waitFor(WAIT);
    await page
      .getByText(/^\d+ paths/)
      .first()
      .waitFor(WAIT);
    await page.locator('.graph-box canvas').first().waitFor(WAIT);
    await check('15-access');
  });

  it('dismisses an alert with a reason and resolves another, from the keyboard', async () => {
    // Alerts come from robots and jobs over time; two are raised here as they would be.
    for (const [key, severity] of [
      ['disk', 'critical'],
      ['late', 'warning'],
    ] as const)
      await ctl.services.store.alerts.raise(
        {
          type: 'walk-check',
          severity,
          subject: `walk:${key}`,
          message: `walk alert ${key}`,
          dedupeKey: `walk:${key}`,
        },
        Date.now(),
      );
    await nav('Alerts');
    const disk = page.getByRole('row').filter({ hasText: 'walk alert disk' });
    await disk.waitFor(WAIT);
    await check('14-alerts');
    await disk.getByRole('button', { name: 'Dismiss…' }).focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Dismiss the alert' });
    await dialog.getByLabel(/^Reason/).waitFor(WAIT);
    await page.keyboard.type('known: planned maintenance');
    await page.keyboard.press('Enter');
    await disk.waitFor({ state: 'detached', ...WAIT });
    const late = page.getByRole('row').filter({ hasText: 'walk alert late' });
    await late.getByRole('button', { name: 'Resolve' }).click();
    await late.waitFor({ state: 'detached', ...WAIT });

    await page.getByLabel('State').selectOption('');
    await page
      .getByRole('row')
      .filter({ hasText: 'walk alert disk' })
      .filter({ hasText: 'known: planned maintenance' })
      .waitFor(WAIT);
    await page
      .getByRole('row')
      .filter({ hasText: 'walk alert late' })
      .filter({ hasText: 'resolved' })
      .waitFor(WAIT);
    const audit = await ctl.api<{ items: { action: string; details: { reason?: string } }[] }>(
      'GET',
      '/api/v1/audit?action=alert.dismiss',
    );
    expect(audit.body.items[0]?.details.reason).toBe('known: planned maintenance');
  });

  it('leaves the Swagger page working under its own policy', async () => {
    await page.goto('/docs');
    await page.getByText('Keywarden admin API').first().waitFor(WAIT);
    await page.getByText('/api/v1/jobs').first().waitFor(WAIT);
    expect(problems.splice(0), 'console of /docs').toEqual([]);
    await screenshot(page, '15b-swagger');
    await page.goto('/robots');
  });

  it('gives an auditor no button that would change anything, and the API refuses a forced change', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(auditorToken);
    await nav('Robots');
    await page.locator('tr[data-robot="internal-purge-jobs"]').waitFor(WAIT);
    await nav('Hosts');
    await page.getByRole('link', { name: h.address }).click();
    await page.getByRole('heading', { name: `Host ${h.address}` }).waitFor(WAIT);
    await check('16-auditor-host');
    // Each page once its data is drawn (what an admin sees there has its buttons by then).
    const loaded = {
      host: page
        .getByRole('table', { name: `Newest jobs of ${h.address}` })
        .getByRole('row')
        .nth(1),
      robots: page.locator('tr[data-robot="internal-purge-jobs"]'),
      hosts: page.getByRole('link', { name: h.address }),
      dashboard: page.getByTestId('dashboard-loaded'),
      jobs: page.getByRole('table', { name: 'Jobs, newest first' }).getByRole('row').nth(1),
    };
    for (const [where, open] of [
      ['host', async () => undefined],
      ['robots', () => nav('Robots')],
      ['hosts', () => nav('Hosts')],
      ['dashboard', () => nav('Dashboard')],
      ['jobs', () => nav('Jobs')],
    ] as const) {
      await open();
      await loaded[where].waitFor(WAIT);
      // The only button an auditor has is the one that signs out (and page-local ones
      // that read: refresh, show, list toggles, load more).
      const buttons = await page.getByRole('main').getByRole('button').allTextContents();
      const changing = buttons.filter(
        (b) =>
          !/^(Refresh|Show|Load more.*|Accounts|Authorized keys|Private keys|Host keys|Key usage|sshd settings|▸|▾)$/.test(
            b.trim(),
          ),
      );
      expect(changing, `buttons an auditor sees on ${where}`).toEqual([]);
    }
    const forced = await page.evaluate(async () => {
      const token = sessionStorage.getItem('keywarden.token');
      const res = await fetch('/api/v1/robots/internal-purge-jobs', {
        method: 'PATCH',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ windowStart: null, windowEnd: null }),
      });
      return { status: res.status, body: (await res.json()) as { error: { code: string } } };
    });
    expect(forced).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
    const robot = await ctl.api<{ windowStart: string }>(
      'GET',
      '/api/v1/robots/internal-purge-jobs',
    );
    expect(robot.body.windowStart).toBe('01:30');
  });
});
