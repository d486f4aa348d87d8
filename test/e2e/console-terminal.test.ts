/**
 * The console's web terminal and session playback in Debian's Chromium, against a real
 * controller whose gateway manages a real sshd host: a person signed in with a token linked
 * to them opens a terminal, runs a command, sees its output, exits; the session is in the
 * list, made by the gateway's own session code (ephemeral key placed and removed, audited as
 * the person), and its recording replays the output. A person with no authorization gets
 * the gateway's reason in the terminal; a token linked to nobody is told so; an upgrade from
 * another Origin, an oversized message and a flood are refused.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { SessionRecord } from '../../controller/store/session-records';
import { ensureConsoleBuilt } from '../helpers/console-build';
import {
  axeViolations,
  launchConsoleBrowser,
  screenshot,
  type ConsoleBrowser,
} from '../helpers/console-browser';
import {
  startGatewayFixture,
  waitFor,
  type GatewayFixture,
} from '../integration/gateway/gateway-fixture';

const WAIT = { timeout: 45_000 };

describe('the web terminal and session playback in a browser', () => {
  let fx: GatewayFixture;
  let cb: ConsoleBrowser;
  const tokens: Record<string, string> = {};

  const tokenFor = async (name: string, personId?: string) => {
    const res = await fx.ctl.api<{ secret: string }>('POST', '/api/v1/tokens', {
      body: { name, role: 'auditor', ...(personId ? { personId } : {}) },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.secret;
  };
  const signedIn = async (token: string): Promise<{ page: Page; problems: string[] }> => {
    const tab = await cb.open(fx.ctl.url);
    await tab.page.goto('/');
    await tab.page.getByLabel('API token').fill(token);
    await tab.page.getByRole('button', { name: 'Sign in' }).click();
    await tab.page.getByRole('navigation', { name: 'Sections' }).waitFor(WAIT);
    return tab;
  };
  const openTerminal = async (page: Page, host: string, account: string) => {
    await page
      .getByRole('navigation', { name: 'Sections' })
      .getByRole('link', { name: 'Sessions' })
      .click();
    await page.getByRole('heading', { name: 'Sessions' }).waitFor(WAIT);
    await page.getByLabel('Host (id, name or address)').fill(host);
    await page.getByLabel('Account').fill(account);
    await page.getByRole('button', { name: 'Open a terminal' }).click();
  };
  /** What the xterm.js screen shows now (its rows as text). */
  const screenText = (page: Page) =>
    page
      .locator('.xterm-rows')
      .innerText({ timeout: 5000 })
      .catch(() => '');
  const untilScreenShows = async (page: Page, text: string | RegExp) => {
    let seen = '';
    await waitFor(
      `the terminal to show ${String(text)}`,
      async () => {
        seen = await screenText(page);
        return typeof text === 'string' ? seen.includes(text) : text.test(seen);
      },
      60_000,
    ).catch(() => {
      throw new Error(`the terminal never showed ${String(text)}; it shows:\n${seen}`);
    });
  };

  beforeAll(async () => {
    ensureConsoleBuilt();
    [fx, cb] = await Promise.all([startGatewayFixture(), launchConsoleBrowser()]);
    const alice = await fx.addPerson('alice');
    await fx.grant(alice.person);
    const carol = await fx.addPerson('carol');
    tokens.alice = await tokenFor('alice-console', alice.person.id);
    tokens.carol = await tokenFor('carol-console', carol.person.id);
    tokens.nobody = await tokenFor('nobody-console');
  }, 180_000);

  afterAll(async () => {
    await cb?.close();
    await fx?.stop();
  });

  it('opens a session in the browser, shows its output, records it and replays it', async () => {
    const { page, problems } = await signedIn(tokens.alice as string);
    await openTerminal(page, fx.hostId, fx.deploy.name);
    await page.getByText(`Session to ${fx.deploy.name}@${fx.hostId}: recorded.`).waitFor(WAIT);
    await untilScreenShows(page, /\$\s*$/);
    await page.locator('.xterm-helper-textarea').focus();
    // The sum is printed by the host's shell: its echo of the command line does not hold it.
    await page.keyboard.type('echo web-terminal-$((6*7))\n');
    await untilScreenShows(page, 'web-terminal-42');
    await screenshot(page, '40-web-terminal');

    // A smaller window: the terminal refits, and the host's pty follows (resize honoured).
    const open = (await fx.sessions()).find((s) => s.personUid === 'alice' && s.state === 'live');
    const cast = join(fx.ctl.services.config.dataDir, open?.recordingPath as string);
    await page.setViewportSize({ width: 900, height: 600 });
    const size = await waitFor(
      'the resize in the recording',
      async () => {
        const r = [...(await readFile(cast, 'utf8')).matchAll(/"r", "(\d+)x(\d+)"/g)].pop();
        return r ? { cols: r[1], rows: r[2] } : null;
      },
      30_000,
    );
    await page.keyboard.type('stty size\n');
    await untilScreenShows(page, `${size.rows} ${size.cols}`);
    await page.keyboard.type('exit\n');
    await page.getByText('The session ended (exit status 0).').waitFor(WAIT);
    const axe = await axeViolations(page);
    expect(axe, `axe on the terminal: ${JSON.stringify(axe)}`).toEqual([]);
    expect(problems.splice(0), 'console of the terminal').toEqual([]);

    // The gateway's own session: recorded, the person's, the key placed and gone again.
    const session = (await fx.sessions()).find((s) => s.personUid === 'alice') as SessionRecord;
    expect(session).toMatchObject({
      state: 'ended',
      exitCode: 0,
      account: fx.deploy.name,
      hostId: fx.hostId,
      personFingerprint: '',
      via: { entry: 'web-terminal' },
    });
    expect(session.via?.token).toMatch(/^token:alice-console#/);
    expect(session.ephemeralFingerprint).toMatch(/^SHA256:/);
    const grant = await fx.ctl.services.store.authorizations.get(session.authorizationId as string);
    expect(grant?.options.map((o) => o.name)).toContain('from');
    await waitFor('the ephemeral key removed from the host', async () => {
      const keys = await fx.keysFile();
      return !keys.includes(`keywarden-gateway-session-${session.id}`);
    });
    expect(await fx.keysFile()).not.toContain((grant?.publicKey ?? 'x').split(' ')[1] as string);
    const audit = await fx.ctl.api<{ items: { actor: string; action: string }[] }>(
      'GET',
      `/api/v1/audit?subject=${session.id}`,
    );
    expect(audit.body.items.map((a) => `${a.actor} ${a.action}`)).toEqual(
      expect.arrayContaining(['person:alice session.start', 'person:alice session.end']),
    );

    // The list shows it; its page replays the recording with the output in it.
    await page.getByRole('link', { name: `Session ${session.id}` }).waitFor(WAIT);
    await page
      .getByRole('navigation', { name: 'Sections' })
      .getByRole('link', { name: 'Sessions' })
      .click();
    const row = page.getByRole('row').filter({ hasText: session.id });
    await row.getByText('ended').waitFor(WAIT);
    await row.getByRole('link', { name: session.id }).click();
    await page.getByRole('heading', { name: `Session ${session.id}` }).waitFor(WAIT);
    const player = page.locator('.player-box .ap-player');
    await player.waitFor(WAIT);
    await player.click();
    await page
      .locator('.player-box')
      .getByText('web-terminal-42')
      .first()
      .waitFor({ timeout: 60_000 });
    await screenshot(page, '41-session-playback');
    expect(problems.splice(0), 'console of the playback').toEqual([]);
    await page.context().close();
  });

  it('refuses a person with no authorization, in the terminal, with the reason', async () => {
    const { page } = await signedIn(tokens.carol as string);
    await openTerminal(page, fx.hostId, fx.deploy.name);
    await untilScreenShows(page, `keywarden: carol has no authorization for ${fx.deploy.name} on`);
    await page.getByText('The session ended (exit status 1).').waitFor(WAIT);
    await screenshot(page, '42-web-terminal-refused');
    await page.context().close();
    const refused = (await fx.sessions()).find((s) => s.personUid === 'carol');
    expect(refused).toMatchObject({ state: 'failed', via: { entry: 'web-terminal' } });

    const other = await signedIn(tokens.nobody as string);
    await openTerminal(other.page, fx.hostId, fx.deploy.name);
    await untilScreenShows(other.page, 'is not linked to a person');
    await other.page.context().close();
  });

  it('links a token only to a person of the directory who has not left', async () => {
    const unknown = await fx.ctl.api<{ error: { message: string } }>('POST', '/api/v1/tokens', {
      body: { name: 'ghost-console', role: 'auditor', personId: 'p-ghost' },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toBe('no person p-ghost in the directory records');
    const dave = await fx.addPerson('dave');
    await fx.ctl.services.store.directory.putPerson({
      ...dave.person,
      state: 'left',
      leftAt: Date.now(),
    });
    const left = await fx.ctl.api<{ error: { message: string } }>('POST', '/api/v1/tokens', {
      body: { name: 'dave-console', role: 'auditor', personId: dave.person.id },
    });
    expect(left.status).toBe(400);
    expect(left.body.error.message).toContain('dave has left the directory');
    const list = await fx.ctl.api<{ items: { name: string; personId?: string | null }[] }>(
      'GET',
      '/api/v1/tokens',
    );
    expect(list.body.items.find((t) => t.name === 'alice-console')?.personId).toBe('p-alice');
    expect(list.body.items.map((t) => t.name)).not.toContain('dave-console');
  });

  it('refuses an upgrade from another origin, an oversized message and a flood', async () => {
    const url = `${fx.ctl.url.replace(/^http/, 'ws')}/api/v1/sessions/terminal?host=${fx.hostId}&account=${fx.deploy.name}`;
    const protocols = ['keywarden.terminal.v1', `keywarden.bearer.${tokens.alice}`];
    type Opened = {
      status: number;
      ws: WebSocket | null;
      closed: Promise<{ code: number; said: string }>;
    };
    const connect = (origin: string) =>
      new Promise<Opened>((resolve) => {
        const ws = new WebSocket(url, protocols, { origin });
        // Listening from the start: the first messages can come in the packet of the upgrade.
        let said = '';
        ws.on('message', (m: Buffer) => (said += m.toString()));
        const closed = new Promise<{ code: number; said: string }>((done) =>
          ws.on('close', (code) => done({ code, said })),
        );
        ws.on('open', () => resolve({ status: 101, ws, closed }));
        ws.on('unexpected-response', (_req, res) =>
          resolve({ status: res.statusCode ?? 0, ws: null, closed }),
        );
        ws.on('error', () => resolve({ status: 0, ws: null, closed }));
      });
    expect((await connect('http://evil.example')).status).toBe(403);
    expect((await connect(`http://attacker.test:${new URL(fx.ctl.url).port}`)).status).toBe(403);

    // The same token from the console's own origin is let in: the Origin made the difference.
    const big = await connect(fx.ctl.url);
    expect(big.status).toBe(101);
    expect(big.ws?.protocol).toBe('keywarden.terminal.v1');
    big.ws?.send(JSON.stringify({ type: 'input', data: 'x'.repeat(70 * 1024) }));
    const bigEnd = await big.closed;
    expect(bigEnd.code, bigEnd.said).toBe(1009);

    const flood = await connect(fx.ctl.url);
    for (let i = 0; i < 300; i++) flood.ws?.send(JSON.stringify({ type: 'input', data: '' }));
    expect((await flood.closed).said).toContain('more than 200 messages');
  });
});
