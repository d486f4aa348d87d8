/**
 * The console's governance screens in a real browser (Debian's Chromium, headless): the
 * dashboard's key charts, the server-side searches of hosts and keys, policies with their
 * violations and a dry run, an access review decided by its owner, applications, people
 * and access groups, and the SIEM export status; then an auditor, who reads the same pages
 * with no button that would change anything. The data is made the way the controller
 * makes it (API calls, the robots run as jobs; a person as ldap-sync records one, an
 * inventory as a scan records it), so no sshd is needed here: console.test.ts walks the
 * real-host part. Each screen is checked with axe-core and for CSP violations or script
 * errors, and saved under test-results/console/.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureConsoleBuilt } from '../helpers/console-build';
import {
  axeViolations,
  launchConsoleBrowser,
  screenshot,
  type ConsoleBrowser,
} from '../helpers/console-browser';
import { generateClientKey } from '../helpers/sshd';
import { startTestController, type TestController } from '../helpers/test-controller';

const WAIT = { timeout: 45_000 };
const DAY = 86_400_000;

describe('the console sections for policies, reviews, applications, people and export', () => {
  let dir = '';
  let ctl: TestController;
  let cb: ConsoleBrowser;
  let page: Page;
  let problems: string[];
  let auditorToken = '';
  let roundId = '';
  const keys: Array<{ publicKey: string; fingerprint: string }> = [];

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
  const jobDone = async (id: string) => {
    const until = Date.now() + 120_000;
    for (;;) {
      const j = (await ctl.api<{ state: string; error: unknown }>('GET', `/api/v1/jobs/${id}`))
        .body;
      if (['completed', 'failed', 'cancelled', 'expired'].includes(j.state)) {
        expect(j.state, JSON.stringify(j.error)).toBe('completed');
        return;
      }
      if (Date.now() > until) throw new Error(`job ${id} still ${j.state}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const post = async <T>(p: string, body: unknown, status = 201) => {
    const res = await ctl.api<T>('POST', p, { body });
    expect(res.status, `${p}: ${JSON.stringify(res.body)}`).toBe(status);
    return res.body;
  };

  beforeAll(async () => {
    ensureConsoleBuilt();
    dir = await mkdtemp(path.join(tmpdir(), 'kwt-console-sections-'));
    const sinks = [
      { id: 'archive', format: 'ocsf', url: `file://${path.join(dir, 'events.jsonl')}` },
    ];
    [ctl, cb] = await Promise.all([
      startTestController({ env: { KEYWARDEN_EXPORT_SINKS: JSON.stringify(sinks) } }),
      launchConsoleBrowser(),
    ]);
    for (const n of ['walk-a', 'walk-b']) keys.push(await generateClientKey(dir, n));
    auditorToken = (
      await ctl.api<{ secret: string }>('POST', '/api/v1/tokens', {
        body: { name: 'sections-auditor', role: 'auditor' },
      })
    ).body.secret;

    // A host with a weak and a strong key, as a scan records them.
    const store = ctl.services.store;
    const now = Date.now();
    await store.hosts.createMany(
      ['app-1', 'db-1'].map((name) => ({
        id: `h-${name}`,
        name,
        address: name === 'app-1' ? '192.0.2.21' : '192.0.2.22',
        port: 22,
        kind: 'agentless' as const,
        state: 'discovered' as const,
        hostKeyFingerprint: null,
        managementAccount: null,
        agentId: null,
        os: 'Debian GNU/Linux 13',
        sshProduct: null,
        lastSeenAt: null,
      })),
      now,
    );
    const line = (account: string, fingerprint: string, type: string, bits: number) => ({
      kind: 'authorized-key' as const,
      hostId: 'h-app-1',
      key: `${account}|/home/${account}/.ssh/authorized_keys|${fingerprint}`,
      account,
      fingerprint,
      data: {
        file: `/home/${account}/.ssh/authorized_keys`,
        line: 1,
        options: [],
        type,
        bits,
        comment: `${account}@walk-laptop`,
        managed: false,
      },
    });
    await store.inventory.items.sync(
      'authorized-key',
      'h-app-1',
      [
        line('legacy', 'SHA256:weakweakweakweakweakweakweakweakweakweakwea', 'ssh-rsa', 1024),
        line('deploy', keys[0]?.fingerprint ?? '', 'ssh-ed25519', 256),
      ],
      now,
    );
    const policy = await post<{ jobId: string }>('/api/v1/policies', {
      id: 'walk-weak-keys',
      name: 'Walk: weak keys',
      severity: 'critical',
      rule: { kind: 'weak-key', rsaMinBits: 2048, deprecatedTypes: ['ssh-dss'] },
    });
    await jobDone(policy.jobId);

    // A host group with two grants, under an access review owned by the admin token.
    await post('/api/v1/host-groups', { id: 'web', name: 'web' });
    for (const k of keys) {
      const res = await post<{ jobId: string }>(
        '/api/v1/authorizations',
        { account: 'deploy', publicKey: k.publicKey, groupId: 'web' },
        202,
      );
      await jobDone(res.jobId);
    }
    await post('/api/v1/reviews/campaigns', {
      name: 'Quarterly web review',
      groupId: 'web',
      owner: 'bootstrap-admin',
      periodMs: 90 * DAY,
      deadlineMs: 14 * DAY,
      onUnconfirmed: 'alert',
    });
    const robot = await post<{ job: { id: string } }>('/api/v1/jobs', {
      type: 'internal-access-reviews',
    });
    await jobDone(robot.job.id);
    roundId =
      (await ctl.api<{ items: Array<{ id: string }> }>('GET', '/api/v1/reviews/rounds?state=open'))
        .body.items[0]?.id ?? '';
    expect(roundId).not.toBe('');

    await post('/api/v1/applications', { name: 'Webshop', rules: [{ hostPattern: 'app-*' }] });
    await store.directory.putPerson({
      id: 'p-ada',
      directoryId: 'uid=ada,ou=people,dc=example,dc=org',
      dn: 'uid=ada,ou=people,dc=example,dc=org',
      uid: 'ada',
      name: 'Ada Lovelace',
      email: 'ada@example.org',
      state: 'active',
      keys: [
        {
          publicKey: keys[1]?.publicKey ?? '',
          fingerprint: keys[1]?.fingerprint ?? '',
          source: 'directory',
        },
      ],
      groups: ['ops'],
      createdAt: now,
      updatedAt: now,
      leftAt: null,
    });
    await post('/api/v1/access-groups', {
      id: 'ops-web',
      directoryGroup: 'ops',
      hostGroupId: 'web',
      account: 'ops',
    });
    ({ page, problems } = await cb.open(ctl.url));
  }, 180_000);

  afterAll(async () => {
    await cb?.close();
    await ctl?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('draws keys by type and size, unused and foreign keys on the dashboard', async () => {
    await page.goto('/');
    await signIn(ctl.adminToken);
    await page.getByRole('button', { name: 'Recalculate now' }).click();
    await page.getByRole('img', { name: /^Keys by type: .*ssh-rsa 1/ }).waitFor(WAIT);
    await page.getByRole('img', { name: /^Keys by type and size: .*ssh-rsa 1024 1/ }).waitFor(WAIT);
    await page
      .getByRole('img', { name: /^Authorized keys used or never used: never used 2$/ })
      .waitFor(WAIT);
    await page
      .getByRole('img', { name: /^Authorized keys managed or foreign: foreign 2$/ })
      .waitFor(WAIT);
    await check('20-dashboard-keys');
  });

  it('searches hosts and keys on the server', async () => {
    // The list before the search answers late (a slow network, held here): its answer
    // arrives after the search's and must not replace it.
    const unfiltered = /\/api\/v1\/hosts\?limit=200$/;
    let release = () => {};
    const held = new Promise<void>((r) => (release = r));
    await page.route(unfiltered, async (route) => {
      await held;
      await route.continue();
    });
    await nav('Hosts');
    await page.getByLabel('Search', { exact: true }).fill('192.0.2.21');
    const matching = page.getByRole('table', { name: /hosts matching "192\.0\.2\.21"/ });
    await page.getByRole('table', { name: /^1 hosts matching "192\.0\.2\.21"/ }).waitFor(WAIT);
    const late = page.waitForResponse(unfiltered);
    release();
    await (await late).finished();
    // Past the tasks that read the late answer's body and render it.
    await page.evaluate('new Promise((r) => requestAnimationFrame(() => setTimeout(r, 50)))');
    await page.unroute(unfiltered);
    expect(await matching.locator('caption').textContent()).toMatch(/^1 hosts/);
    expect(await matching.getByRole('row').count()).toBe(2);
    await page.getByRole('link', { name: 'app-1' }).waitFor(WAIT);
    await nav('Keys');
    await page.getByLabel('Fingerprint or comment').fill('LEGACY@walk');
    await page.getByRole('table', { name: /^1 keys matching/ }).waitFor(WAIT);
    await page.getByRole('cell', { name: 'legacy@walk-laptop' }).waitFor(WAIT);
    await check('21-keys-search');
  });

  it("shows a policy's violations and dry-runs its removal", async () => {
    await nav('Policies');
    await page.locator('tr[data-policy="walk-weak-keys"]').waitFor(WAIT);
    await check('22-policies');
    await page.getByRole('link', { name: 'Walk: weak keys' }).click();
    const violations = page.getByRole('table', {
      name: 'Open and dismissed alerts of this policy',
    });
    await violations.getByRole('row').filter({ hasText: 'legacy' }).waitFor(WAIT);
    await page.getByRole('button', { name: 'Dry run its removal' }).click();
    await page.getByRole('table', { name: 'Would be resolved: 1' }).waitFor(WAIT);
    await page.getByRole('button', { name: 'Save as version 2' }).waitFor(WAIT);
    await check('23-policy');
  });

  it('lets the owner confirm one grant and revoke another in an access review', async () => {
    await nav('Access reviews');
    await page.getByRole('link', { name: 'Quarterly web review' }).waitFor(WAIT);
    await check('24-reviews');
    await page.getByRole('link', { name: roundId }).first().click();
    const items = page.getByRole('table', { name: 'Grants under review' });
    const pending = items.locator('tr[data-decision="pending"]');
    await pending.nth(1).waitFor(WAIT);
    await check('25-review-round');
    await pending.first().getByRole('button', { name: 'Confirm' }).click();
    await items.locator('tr[data-decision="confirmed"]').waitFor(WAIT);
    await pending.first().getByRole('button', { name: 'Revoke…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke the grant' });
    await dialog.getByLabel(/^Note/).fill('left the web team');
    expect(await axeViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Revoke', exact: true }).click();
    await items
      .locator('tr[data-decision="revoked"]')
      .filter({ hasText: 'left the web team' })
      .waitFor(WAIT);
    expect(await pending.count()).toBe(0);
  });

  it('shows applications, people, access groups and the SIEM export', async () => {
    await nav('Applications');
    await page.getByRole('link', { name: 'Webshop' }).click();
    await page.getByRole('link', { name: 'h-app-1' }).waitFor(WAIT);
    await check('26-application');
    await nav('People');
    await page.getByRole('link', { name: 'Ada Lovelace' }).click();
    await page.getByRole('heading', { name: 'Person Ada Lovelace' }).waitFor(WAIT);
    await page.getByRole('link', { name: keys[1]?.fingerprint ?? '' }).waitFor(WAIT);
    await check('27-person');
    await nav('People');
    await page.getByRole('link', { name: 'Access groups' }).click();
    await page.locator('tr[data-access-group="ops-web"]').waitFor(WAIT);
    await check('28-access-groups');
    await nav('SIEM export');
    await page.locator('tr[data-sink="archive"]').waitFor(WAIT);
    await check('29-siem-export');
  });

  it('gives an auditor the same pages without a changing button', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(auditorToken);
    const readOnly = async (where: string) => {
      const buttons = await page.getByRole('main').getByRole('button').allTextContents();
      const changing = buttons.filter(
        (b) => !/^(Refresh|Load more.*|Dry run this version|Dry run its removal)$/.test(b.trim()),
      );
      expect(changing, `buttons an auditor sees on ${where}`).toEqual([]);
    };
    await page.goto(`/reviews/rounds/${encodeURIComponent(roundId)}`);
    await page
      .getByRole('table', { name: 'Grants under review' })
      .getByRole('row')
      .nth(2)
      .waitFor(WAIT);
    await readOnly('a review round');
    await page.goto('/policies/walk-weak-keys');
    await page.getByRole('button', { name: 'Dry run this version' }).waitFor(WAIT);
    await readOnly('a policy');
    // Dry runs save nothing: an auditor may try one.
    await page.getByRole('button', { name: 'Dry run this version' }).click();
    await page.getByTestId('dry-run-result').waitFor(WAIT);
    await check('30-auditor-policy');
    for (const [link, ready] of [
      ['Applications', page.getByRole('link', { name: 'Webshop' })],
      ['People', page.getByRole('link', { name: 'Ada Lovelace' })],
      ['SIEM export', page.locator('tr[data-sink="archive"]')],
    ] as const) {
      await nav(link);
      await ready.waitFor(WAIT);
      await readOnly(link);
    }
  });
});
