/**
 * The access graph from real scans of real sshd hosts, through a real controller's API and
 * the real CLI: alice on host A holds a private key that bob on host B accepts, so whoever
 * logs in as alice reaches bob — and OpenSSH agrees, through that very path.
 */
import { execFile, spawn } from 'node:child_process';
import { chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path, { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionHostId, type Connection } from '../../../controller/inventory/host-target';
import type { JobRecord } from '../../../controller/store/records';
import { waitFor } from '../../helpers/agent-processes';
import { generateClientKey, startTestSshd, type TestSshd } from '../../helpers/sshd';
import { sshLogin } from '../../helpers/sshd-client';
import { startTestController, type TestController } from '../../helpers/test-controller';

type ClientKey = Awaited<ReturnType<typeof generateClientKey>>;
const BIN = path.resolve(import.meta.dirname, '../../../bin/keywarden.mjs');

/** Runs `ssh` as `user` on sshd, with `command`; resolves with its exit code. */
function sshRun(sshd: TestSshd, user: string, key: string, command: string) {
  return new Promise<{ code: number; stderr: string }>((resolve) => {
    const child = spawn(
      'ssh',
      [
        '-i',
        key,
        '-o',
        'IdentitiesOnly=yes',
        '-o',
        'StrictHostKeyChecking=no',
        '-o',
        'UserKnownHostsFile=/dev/null',
        '-o',
        'BatchMode=yes',
        '-o',
        'LogLevel=ERROR',
        '-p',
        String(sshd.port),
        `${user}@${sshd.address}`,
        command,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stderr }));
  });
}

function keywarden(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { PATH: process.env.PATH ?? '', ...env }, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('access graph from real scans, through the API and the CLI', () => {
  let a: TestSshd;
  let b: TestSshd;
  let ctl: TestController;
  let keyDir = '';
  let login: ClientKey; // alice's key on A
  let stored: ClientKey; // the pair in alice's ~/.ssh on A, authorized for bob on B
  let leaving: ClientKey; // carol's key on B, removed by hand later
  let connA: Connection;
  let connB: Connection;
  let hostA = '';
  let hostB = '';
  let alice = '';
  let bob = '';
  let carol = '';
  let beforeRemoval = 0;
  let cliEnv: Record<string, string> = {};

  const runJob = async (type: string, params: unknown): Promise<JobRecord> => {
    const res = await ctl.api<{ job: JobRecord }>('POST', '/api/v1/jobs', {
      body: { type, params },
    });
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
    const id = res.body.job.id;
    return waitFor(
      `${type} ${id} to end`,
      async () => {
        const j = (await ctl.api<JobRecord>('GET', `/api/v1/jobs/${id}`)).body;
        return ['completed', 'failed', 'cancelled', 'expired'].includes(j.state) ? j : null;
      },
      120_000,
    );
  };
  const analyse = async () => {
    const job = await runJob('graph-analysis', {});
    expect(job.state, JSON.stringify(job.error)).toBe('completed');
    return job;
  };
  const get = async <T>(p: string) => {
    const res = await ctl.api<T>('GET', p);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  };
  const q = (params: Record<string, string | number>) =>
    new URLSearchParams(
      Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]),
    ).toString();

  beforeAll(async () => {
    keyDir = await mkdtemp(join(tmpdir(), 'kwt-graph-'));
    const root = await generateClientKey(keyDir, 'root');
    login = await generateClientKey(keyDir, 'alice-login');
    stored = await generateClientKey(keyDir, 'alice-stored');
    leaving = await generateClientKey(keyDir, 'carol-leaving', 'ecdsa');
    a = await startTestSshd({
      rootAuthorizedKeys: `${root.publicKey}\n`,
      users: [{ name: 'alice', authorizedKeys: `${login.publicKey}\n` }],
    });
    b = await startTestSshd({
      rootAuthorizedKeys: `${root.publicKey}\n`,
      users: [
        { name: 'bob', authorizedKeys: `from="127.0.0.0/8" ${stored.publicKey}\n` },
        { name: 'carol', authorizedKeys: `${leaving.publicKey}\n` },
      ],
    });
    alice = a.user('alice').name;
    bob = b.user('bob').name;
    carol = b.user('carol').name;
    // alice keeps the pair in her ~/.ssh, as users do.
    const aliceSsh = join(a.user('alice').home, '.ssh');
    await mkdir(aliceSsh, { recursive: true, mode: 0o700 });
    for (const [file, mode] of [
      ['id_ed25519', 0o600],
      ['id_ed25519.pub', 0o644],
    ] as const) {
      const dest = join(aliceSsh, file);
      await writeFile(
        dest,
        await readFile(file.endsWith('.pub') ? `${stored.path}.pub` : stored.path),
        { mode },
      );
      await chown(dest, a.user('alice').uid, a.user('alice').gid);
    }
    ctl = await startTestController({
      env: { KEYWARDEN_ALLOWED_SSHD_CONFIG_PATHS: JSON.stringify([a.configPath, b.configPath]) },
    });
    cliEnv = { KEYWARDEN_URL: ctl.url, KEYWARDEN_TOKEN: ctl.adminToken };
    const rootKey = await readFile(root.path, 'utf8');
    const conn = (s: TestSshd): Connection => ({
      host: s.address,
      port: s.port,
      username: 'root',
      privateKey: rootKey,
      hostKeyFingerprint: s.hostKeyFingerprint,
    });
    connA = conn(a);
    connB = conn(b);
    hostA = connectionHostId(connA);
    hostB = connectionHostId(connB);
  }, 120_000);

  afterAll(async () => {
    await ctl?.stop();
    await a?.stop();
    await b?.stop();
    await rm(keyDir, { recursive: true, force: true });
  });

  it('shows the two-hop path alice@A -> stored key -> bob@B, and OpenSSH takes it', async () => {
    // A full scan finds alice's authorized key and the private key in her ~/.ssh.
    const scanA = await runJob('scan-full', {
      connection: connA,
      sshdConfigPath: a.configPath,
      logFiles: [a.logPath],
    });
    expect(scanA.state, JSON.stringify(scanA.error)).toBe('completed');
    const scanB = await runJob('scan-authorized-keys', {
      connection: connB,
      sshdConfigPath: b.configPath,
      accounts: [bob, carol],
    });
    expect(scanB.state, JSON.stringify(scanB.error)).toBe('completed');
    beforeRemoval = Date.now();
    const job = await analyse();
    expect(job.result).toMatchObject({ snapshotId: expect.any(String) });

    const reach = await get<{
      items: Array<{ hostId: string; account: string; hops: number; path: unknown[] }>;
    }>(`/api/v1/access/key-reach?${q({ fingerprint: login.fingerprint })}`);
    expect(reach.items).toContainEqual(
      expect.objectContaining({ hostId: hostA, account: alice, hops: 1 }),
    );
    const toBob = reach.items.find((r) => r.hostId === hostB && r.account === bob);
    expect(toBob).toMatchObject({
      hops: 2,
      path: [
        expect.objectContaining({
          kind: 'opens',
          fingerprint: login.fingerprint,
          hostId: hostA,
          account: alice,
        }),
        expect.objectContaining({
          kind: 'stored-in',
          fingerprint: stored.fingerprint,
          hostId: hostA,
          account: alice,
          path: join(a.user('alice').home, '.ssh', 'id_ed25519'),
        }),
        expect.objectContaining({
          kind: 'opens',
          fingerprint: stored.fingerprint,
          hostId: hostB,
          account: bob,
          options: [{ name: 'from', value: '127.0.0.0/8' }],
        }),
      ],
    });
    // Direct logins only: bob is out of reach of alice's key.
    const direct = await get<{ items: Array<{ hostId: string }> }>(
      `/api/v1/access/key-reach?${q({ fingerprint: login.fingerprint, maxHops: 1 })}`,
    );
    expect(direct.items.map((r) => r.hostId)).not.toContain(hostB);

    // The path is real: log in as alice with her key, and from there as bob with the stored one.
    const hop = await sshRun(
      a,
      alice,
      login.path,
      `ssh -i ~/.ssh/id_ed25519 -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -p ${b.port} ${bob}@${b.address} true`,
    );
    expect(hop, hop.stderr).toMatchObject({ code: 0 });
    expect(
      (await sshLogin({ host: b.address, port: b.port, user: bob, identityFile: login.path })).code,
    ).not.toBe(0);
  });

  it('lists who can reach host B, directly and through A, in the API and the CLI', async () => {
    const who = await get<{
      items: Array<{ fingerprint: string; hops: number; path: Array<{ kind: string }> }>;
    }>(`/api/v1/access/who-can-reach?${q({ host: hostB })}`);
    const byKey = new Map(who.items.map((r) => [r.fingerprint, r]));
    expect(byKey.get(stored.fingerprint)).toMatchObject({ hops: 1 });
    expect(byKey.get(leaving.fingerprint)).toMatchObject({ hops: 1 });
    expect(byKey.get(login.fingerprint)).toMatchObject({
      hops: 2,
      path: [{ kind: 'opens' }, { kind: 'stored-in' }, { kind: 'opens' }],
    });
    const onlyCarol = await get<{ items: Array<{ fingerprint: string }> }>(
      `/api/v1/access/who-can-reach?${q({ host: hostB, account: carol, maxHops: 1 })}`,
    );
    expect(onlyCarol.items.map((r) => r.fingerprint)).toEqual([leaving.fingerprint]);

    const cli = await keywarden(['access', 'who-can-reach', hostB], cliEnv);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout.split('\n')[0]).toMatch(/^KEY\s+HOPS\s+PATH/);
    const escaped = login.fingerprint.replace(/[+/]/g, '\\$&');
    expect(cli.stdout).toMatch(
      new RegExp(`^${escaped}\\s+2\\s+\\S+ -> ${alice}@${hostA} =\\[`, 'm'),
    );
    const json = await keywarden(['--json', 'access', 'key-reach', login.fingerprint], cliEnv);
    expect(json.code, json.stderr).toBe(0);
    expect(
      (JSON.parse(json.stdout) as { items: Array<{ account: string; hops: number }> }).items,
    ).toContainEqual(expect.objectContaining({ account: bob, hops: 2 }));
    const unknown = await ctl.api(
      'GET',
      `/api/v1/access/who-can-reach?${q({ host: 'ssh:nowhere:22' })}`,
    );
    expect(unknown.status).toBe(404);
  });

  it('drops a removed line now, and still shows it for a date before its removal', async () => {
    await writeFile(join(b.user('carol').home, '.ssh', 'authorized_keys'), '# carol left\n');
    expect(
      (await sshLogin({ host: b.address, port: b.port, user: carol, identityFile: leaving.path }))
        .code,
    ).not.toBe(0);
    const rescan = await runJob('scan-authorized-keys', {
      connection: connB,
      sshdConfigPath: b.configPath,
      accounts: [bob, carol],
    });
    expect(rescan.state).toBe('completed');
    await analyse();

    const now = await get<{ items: Array<{ fingerprint: string }> }>(
      `/api/v1/access/who-can-reach?${q({ host: hostB })}`,
    );
    expect(now.items.map((r) => r.fingerprint)).not.toContain(leaving.fingerprint);
    expect(now.items.map((r) => r.fingerprint)).toContain(stored.fingerprint);
    const then = await get<{ items: Array<{ fingerprint: string }> }>(
      `/api/v1/access/who-can-reach?${q({ host: hostB, at: new Date(beforeRemoval).toISOString() })}`,
    );
    expect(then.items.map((r) => r.fingerprint)).toContain(leaving.fingerprint);

    // Straight from the inventory's history.
    const past = await get<{ items: Array<{ fingerprint: string; removedAt: number | null }> }>(
      `/api/v1/access/who-could-log-in?${q({ host: hostB, account: carol, at: beforeRemoval })}`,
    );
    expect(past.items).toEqual([
      expect.objectContaining({ fingerprint: leaving.fingerprint, removedAt: expect.any(Number) }),
    ]);
    const present = await get<{ items: unknown[] }>(
      `/api/v1/access/who-could-log-in?${q({ host: hostB, account: carol, at: Date.now() })}`,
    );
    expect(present.items).toEqual([]);
    const cli = await keywarden(
      [
        'access',
        'who-could-log-in',
        hostB,
        '--account',
        carol,
        '--at',
        new Date(beforeRemoval).toISOString(),
      ],
      cliEnv,
    );
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toContain(leaving.fingerprint);
    const bad = await ctl.api<{ error: { message: string } }>(
      'GET',
      `/api/v1/access/who-could-log-in?${q({ host: hostB, at: 'last tuesday' })}`,
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('at: expected an ISO 8601 date');
  });

  it('exports the graph as JSON, DOT and GraphML that parse', async () => {
    const json = await get<{
      nodes: Array<{ id: string }>;
      edges: Array<{ kind: string; from: string; to: string }>;
    }>(`/api/v1/access/graph/export?${q({ format: 'json', host: hostB })}`);
    expect(json.edges).toContainEqual(
      expect.objectContaining({
        kind: 'opens',
        from: `key:${stored.fingerprint}`,
        to: `account:${bob}@${hostB}`,
      }),
    );
    const ids = new Set(json.nodes.map((n) => n.id));
    for (const e of json.edges) expect(ids.has(e.from) && ids.has(e.to)).toBe(true);

    const dot = await keywarden(['access', 'graph', '--format', 'dot'], cliEnv);
    expect(dot.code, dot.stderr).toBe(0);
    expect(dot.stdout).toMatch(/^digraph access \{\n/);
    expect(dot.stdout).toContain(
      `"key:${login.fingerprint}" -> "account:${alice}@${hostA}" [label="opens"]`,
    );
    expect(dot.stdout).toContain(
      `"key:${stored.fingerprint}" -> "account:${alice}@${hostA}" [label="stored-in", style=dashed]`,
    );
    const graphviz = await new Promise<boolean>((r) => execFile('dot', ['-V'], (err) => r(!err)));
    if (graphviz) {
      const parsed = await new Promise<number>((r) => {
        const c = spawn('dot', ['-Tsvg', '-o', '/dev/null']);
        c.on('close', (code) => r(code ?? -1));
        c.stdin.end(dot.stdout);
      });
      expect(parsed).toBe(0);
    }

    const graphml = await ctl.api<string>(
      'GET',
      `/api/v1/access/graph/export?${q({ format: 'graphml' })}`,
    );
    expect(graphml.status).toBe(200);
    expect(graphml.headers.get('content-type')).toContain('application/graphml+xml');
    const xml = graphml.body;
    expect(xml).toContain(`<edge id="e0"`);
    expect(xml).toContain(`source="key:${stored.fingerprint}" target="account:${bob}@${hostB}"`);
    // Well-formed: every element closed in order (a real XML parser too, when python3 is there).
    const stack: string[] = [];
    for (const m of xml.replace(/<\?xml[^>]*\?>/, '').matchAll(/<(\/?)([A-Za-z]+)[^>]*?(\/?)>/g)) {
      if (m[3]) continue;
      if (m[1]) expect(stack.pop()).toBe(m[2]);
      else stack.push(m[2]!);
    }
    expect(stack).toEqual([]);
    expect(xml).not.toMatch(/&(?!amp;|lt;|gt;|quot;)/);
    const python = await new Promise<boolean>((r) =>
      execFile('python3', ['-c', 'pass'], (err) => r(!err)),
    );
    if (python) {
      const code = await new Promise<number>((r) => {
        const c = spawn('python3', [
          '-c',
          'import sys, xml.etree.ElementTree as E; r = E.parse(sys.stdin).getroot(); sys.exit(0 if r.tag.endswith("graphml") else 3)',
        ]);
        c.on('close', (n) => r(n ?? -1));
        c.stdin.end(xml);
      });
      expect(code).toBe(0);
    }

    const nodes = await get<{ items: unknown[]; nextCursor: string | null }>(
      '/api/v1/access/graph/nodes?limit=2',
    );
    expect(nodes.items).toHaveLength(2);
    expect(nodes.nextCursor).toBe('2');
    const meta = await keywarden(['--json', 'access', 'graph'], cliEnv);
    expect(JSON.parse(meta.stdout)).toMatchObject({
      stats: { hosts: expect.any(Number), storedEdges: expect.any(Number) },
    });
  });
});
