/**
 * The session gateway end to end with real parts: a person's OpenSSH client connects to the
 * gateway on loopback with nothing but their own key, the gateway places an ephemeral key
 * on a real sshd host through the job path, runs the real ssh client in a pty, records the
 * session, and the key leaves the host.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../../controller/store/records';
import type { SessionRecord } from '../../../controller/store/session-records';
import { fleetApi, keywarden } from '../authorizations/authorization-fleet';
import {
  startGatewayFixture,
  sshThroughGateway,
  waitFor,
  type GatewayFixture,
  type Key,
} from './gateway-fixture';

/** The output events of an asciicast v2 file, concatenated: what a player shows. */
export async function replay(
  file: string,
): Promise<{ header: Record<string, unknown>; output: string }> {
  const [head, ...lines] = (await readFile(file, 'utf8')).trim().split('\n');
  const output = lines
    .map((l) => JSON.parse(l) as [number, string, string])
    .filter((e) => e[1] === 'o')
    .map((e) => e[2])
    .join('');
  return { header: JSON.parse(head as string) as Record<string, unknown>, output };
}

describe('session gateway: ssh in with your own key, recorded, no key left behind', () => {
  let fx: GatewayFixture;
  let alice: Key;
  let carol: Key;

  beforeAll(async () => {
    fx = await startGatewayFixture();
    const a = await fx.addPerson('alice');
    alice = a.key;
    await fx.grant(a.person);
    carol = (await fx.addPerson('carol')).key;
  }, 300_000);

  afterAll(async () => {
    await fx?.stop();
  });

  it('opens a recorded shell on the host; the recording replays to what the person saw; the ephemeral key is gone afterwards', async () => {
    const res = await sshThroughGateway(fx, alice, {
      input: 'echo gateway-marker-$((6*7)); whoami\nexit 0\n',
    });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('gateway-marker-42');
    expect(res.stdout).toContain(fx.deploy.name);
    const [session] = await fx.sessions();
    expect(session).toMatchObject({
      personUid: 'alice',
      hostId: fx.hostId,
      account: fx.deploy.name,
      state: 'ended',
      exitCode: 0,
      reason: null,
    });
    expect(session?.connectedAt).toBeGreaterThanOrEqual(session?.startedAt ?? Infinity);
    expect(session?.bytesOut).toBeGreaterThan(0);
    const dataDir = fx.ctl.services.config.dataDir;
    const { header, output } = await replay(join(dataDir, session?.recordingPath as string));
    expect(header).toMatchObject({ version: 2, width: 80, height: 24 });
    expect(output).toBe(res.stdout);
    const input = await readFile(join(dataDir, session?.inputPath as string), 'utf8');
    expect(input).toContain('"i"');
    expect(input).toContain('whoami');
    // The ephemeral key was placed with from= and expiry-time=, and is removed afterwards.
    const auth = await fx.ctl.services.store.authorizations.get(session?.authorizationId as string);
    expect(auth?.options.map((o) => o.name)).toContain('from');
    expect(auth?.expiresAt).toBeGreaterThan(session?.startedAt ?? Infinity);
    await waitFor('the ephemeral key removed from the host', async () => {
      const keys = await fx.keysFile();
      return !keys.includes(`keywarden-gateway-session-${session?.id}`);
    });
    expect(await fx.keysFile()).not.toContain((auth?.publicKey ?? 'x').split(' ')[1] as string);
    const audit = await fx.ctl.api<{ items: AuditRecord[] }>(
      'GET',
      `/api/v1/audit?subject=${session?.id}`,
    );
    expect(audit.body.items.map((a) => a.action).sort()).toEqual(['session.end', 'session.start']);
  });

  it('refuses a person without an authorization with a clear message, and records why', async () => {
    const res = await sshThroughGateway(fx, carol, { input: 'echo should-not-run\nexit\n' });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`carol has no authorization for ${fx.deploy.name}`);
    expect(res.stdout).not.toContain('should-not-run');
    const failed = (await fx.sessions()).find((s) => s.personUid === 'carol');
    expect(failed).toMatchObject({ state: 'failed', authorizationId: null });
    expect(failed?.reason).toContain('has no authorization');
  });

  it('refuses a key that belongs to nobody at authentication', async () => {
    const stranger = await import('../../helpers/sshd').then((m) =>
      m.generateClientKey(fx.keyDir, 'stranger'),
    );
    const res = await sshThroughGateway(fx, stranger, { input: 'exit\n' });
    expect(res.code).toBe(255);
    expect(res.stderr).toContain('Permission denied (publickey)');
  });

  it('refuses remote and local port forwarding and records each refusal as a session event', async () => {
    const remote = await sshThroughGateway(fx, alice, {
      args: ['-N', '-o', 'ExitOnForwardFailure=yes', '-R', '0:127.0.0.1:22'],
      timeoutMs: 30_000,
    });
    expect(remote.code).toBe(255);
    expect(remote.stderr).toMatch(/remote port forwarding failed/i);
    const direct = await sshThroughGateway(fx, alice, {
      args: ['-W', `${fx.host.address}:${fx.host.port}`],
      timeoutMs: 30_000,
    });
    expect(direct.code).toBe(255);
    const refused = await waitFor('both refusals recorded', async () => {
      const types: string[] = [];
      for (const s of (await fx.sessions()).filter((x) => x.personUid === 'alice'))
        types.push(...(await fx.events(s.id)).map((e) => e.type));
      return types.includes('refused:tcpip-forward') && types.includes('refused:direct-tcpip')
        ? types
        : null;
    });
    expect(refused).toEqual(
      expect.arrayContaining(['refused:tcpip-forward', 'refused:direct-tcpip']),
    );
  });

  it('lists, shows and downloads sessions through the CLI; the download is the recording; reading what was typed needs admin', async () => {
    const env = { KEYWARDEN_URL: fx.ctl.url, KEYWARDEN_TOKEN: fx.ctl.adminToken };
    const list = await keywarden(['--json', 'sessions', 'list', '--state', 'ended'], env);
    expect(list.code, list.stderr).toBe(0);
    const items = (JSON.parse(list.stdout) as { items: SessionRecord[] }).items;
    const ended = items.find((x) => x.personUid === 'alice' && x.recordingPath);
    expect(ended).toBeDefined();
    const show = await keywarden(['sessions', 'show', ended?.id as string], env);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain(`alice → ${fx.deploy.name}@${fx.hostId}`);
    expect(show.stdout).toContain('key-removal-queued');
    const out = join(fx.keyDir, 'download.cast');
    const dl = await keywarden(['sessions', 'download', ended?.id as string, '--out', out], env);
    expect(dl.code, dl.stderr).toBe(0);
    const dataDir = fx.ctl.services.config.dataDir;
    expect(await readFile(out, 'utf8')).toBe(
      await readFile(join(dataDir, ended?.recordingPath as string), 'utf8'),
    );
    const token = await fx.ctl.api<{ secret: string }>('POST', '/api/v1/tokens', {
      body: { name: 'gw-auditor', role: 'auditor' },
    });
    const asAuditor = { ...env, KEYWARDEN_TOKEN: token.body.secret };
    const typed = await keywarden(
      ['sessions', 'download', ended?.id as string, '--input', '--out', `${out}.in`],
      asAuditor,
    );
    expect(typed.code).toBe(3);
    const audit = await fx.ctl.api<{ items: AuditRecord[] }>(
      'GET',
      `/api/v1/audit?action=session.recording.download`,
    );
    expect(audit.body.items.map((a) => a.subject)).toContain(ended?.id);
  });

  it('an admin terminates a live session: the person is told and the record says who ended it', async () => {
    const person = spawn(
      'ssh',
      [
        '-i',
        alice.path,
        '-o',
        'IdentitiesOnly=yes',
        '-o',
        'StrictHostKeyChecking=no',
        '-o',
        'UserKnownHostsFile=/dev/null',
        '-o',
        'BatchMode=yes',
        '-F',
        '/dev/null',
        '-p',
        String(fx.gatewayPort),
        '-tt',
        `${fx.deploy.name}@${fx.hostId}@127.0.0.1`,
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    person.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    person.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const closed = new Promise<number | null>((r) => person.once('close', r));
    person.stdin.write('echo about-to-be-$((1+1))-terminated\n');
    try {
      await waitFor('the shell answering', async () => stdout.includes('about-to-be-2-terminated'));
      const live = (await fx.sessions()).find((x) => x.state === 'live');
      expect(live).toBeDefined();
      const env = { KEYWARDEN_URL: fx.ctl.url, KEYWARDEN_TOKEN: fx.ctl.adminToken };
      const res = await keywarden(
        ['--json', 'sessions', 'terminate', live?.id as string, '--reason', 'incident 42'],
        env,
      );
      expect(res.code, res.stderr).toBe(0);
      expect(await closed).not.toBe(0);
      expect(stderr).toContain('incident 42');
      const after = await fx.ctl.services.store.sessions.get(live?.id as string);
      expect(after).toMatchObject({ state: 'terminated', reason: 'incident 42' });
      expect(after?.terminateRequestedBy).toMatch(/^token:/);
      const again = await keywarden(['sessions', 'terminate', live?.id as string], env);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('not live');
    } finally {
      person.kill();
    }
  });

  it('the SocketServer Monitor finds a silent listener, restarts it, and people get in again', async () => {
    const gw = fx.ctl.services.sessionGateway;
    await gw?.stopListening();
    const refused = await sshThroughGateway(fx, alice, { input: 'exit\n', timeoutMs: 30_000 });
    expect(refused.code).toBe(255);
    const api = fleetApi(() => fx.ctl);
    const job = await api.runJob('socket-server-monitor', null, {});
    expect(job.state, JSON.stringify(job.error)).toBe('completed');
    expect(job.result).toMatchObject({ answering: true, restarted: true });
    const res = await sshThroughGateway(fx, alice, { input: 'echo back-$((2*21))\nexit\n' });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('back-42');
    const again = await api.runJob('socket-server-monitor', null, {});
    expect(again.result).toMatchObject({ answering: true, restarted: false });
  });

  it('the recorded session becomes a readable log: the printed word is found by search, the risky command is scored and alerted', async () => {
    const before = new Set((await fx.sessions()).map((x) => x.id));
    // Typed as a person types: each line after the shell answered the one before.
    const person = spawn(
      'ssh',
      [
        '-i',
        alice.path,
        '-o',
        'IdentitiesOnly=yes',
        '-o',
        'StrictHostKeyChecking=no',
        '-o',
        'UserKnownHostsFile=/dev/null',
        '-o',
        'BatchMode=yes',
        '-F',
        '/dev/null',
        '-p',
        String(fx.gatewayPort),
        '-tt',
        `${fx.deploy.name}@${fx.hostId}@127.0.0.1`,
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let seen = '';
    person.stdout.on('data', (d: Buffer) => (seen += d.toString()));
    const closed = new Promise((r) => person.once('close', r));
    const type = async (line: string, answer: string) => {
      await new Promise((r) => setTimeout(r, 300));
      person.stdin.write(`${line}\n`);
      await waitFor(`"${answer}"`, async () => seen.includes(answer));
    };
    await waitFor('the shell', async () => seen.length > 0);
    await type('echo searchable-word-$((6*7))', 'searchable-word-42');
    await type('unset HISTFILE; echo history-off', 'history-off\r');
    person.stdin.write('exit\n');
    await closed;
    const id = await waitFor('the session ended', async () => {
      const s = (await fx.sessions()).find(
        (x) => !before.has(x.id) && x.state === 'ended' && x.recordingPath,
      );
      return s?.id ?? null;
    });
    await waitFor('log converted, indexed and scored', async () => {
      const text = await fx.ctl.services.store.sessionTexts.get(id);
      return text?.indexedAt && text.scoredAt ? text : null;
    });
    const env = { KEYWARDEN_URL: fx.ctl.url, KEYWARDEN_TOKEN: fx.ctl.adminToken };
    const found = await keywarden(
      ['--json', 'sessions', 'search', '--phrase', 'searchable-word-42'],
      env,
    );
    expect(found.code, found.stderr).toBe(0);
    const hits = JSON.parse(found.stdout) as {
      sessions: Array<{ session: { sessionId: string } }>;
    };
    expect(hits.sessions.map((h) => h.session.sessionId)).toEqual([id]);
    const byPerson = await fx.ctl.api<{ sessions: unknown[] }>(
      'GET',
      `/api/v1/sessions/search?command=whoami&person=carol`,
    );
    expect(byPerson.body.sessions).toEqual([]);
    const show = await keywarden(['sessions', 'show', id], env);
    expect(show.stdout).toMatch(/80\s+unset HISTFILE/);
    const alerts = await fx.ctl.api<{ items: Array<{ type: string; message: string }> }>(
      'GET',
      '/api/v1/alerts?type=risky-command',
    );
    expect(alerts.body.items.map((a) => a.message).join('\n')).toContain('unset HISTFILE');
  });
});
