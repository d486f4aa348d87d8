/**
 * bench:gateway — concurrent recorded sessions through the session gateway, with real parts:
 * a controller in this process with its gateway on loopback, one real sshd host (agentless,
 * managed), and one OpenSSH client per session as the person. BENCH_SESSIONS sessions
 * (default 20) are opened (each a just-in-time key placed through the job path and a real
 * ssh in a node-pty pty); each prints about 10 KB/s for BENCH_SECONDS (default 30) while
 * BENCH_PROBES more sessions (default 2) measure keystroke latency: a key typed into the
 * person's ssh until its echo comes back, through the gateway and, for comparison, straight
 * to the host. Prints one JSON line: sessions held, keystroke latency p50/p99 through the
 * gateway and direct (the difference is what the gateway adds), controller memory per
 * session (this process's RSS growth, and the outbound ssh processes' RSS), controller CPU,
 * and recording bytes per session-minute.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import type { HostRecord } from '../controller/store/host-records';
import type { PersonRecord } from '../controller/store/directory-records';
import { generateClientKey } from '../test/helpers/sshd';
import { startSshdFleet } from '../test/helpers/sshd-fleet';
import { createTestUser, removeTestUsers } from '../test/helpers/sshd-users';
import { startTestController, type TestController } from '../test/helpers/test-controller';

const SESSIONS = Number(process.env.BENCH_SESSIONS) || 20;
const SECONDS = Number(process.env.BENCH_SECONDS) || 30;
const PROBES = Number(process.env.BENCH_PROBES) || 2;
const KEYSTROKES = 100;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const round = (x: number) => Math.round(x * 10) / 10;

async function until<T>(what: string, fn: () => Promise<T | null | false>, ms = 180_000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** A person's interactive ssh; `seen` collects what it printed. */
function personSsh(args: string[]) {
  const child: ChildProcessWithoutNullStreams = spawn('ssh', args, {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const s = { child, seen: '', len: 0, err: '', listeners: new Set<() => void>() };
  child.stdout.on('data', (d: Buffer) => {
    const t = d.toString('latin1');
    s.len += t.length;
    // Only the tail matters for finding an echo or a marker.
    s.seen = (s.seen + t).slice(-4096);
    for (const l of s.listeners) l();
  });
  child.stderr.on('data', (d: Buffer) => (s.err = (s.err + d.toString()).slice(-2000)));
  return s;
}
type Person = ReturnType<typeof personSsh>;

const waitOutput = (p: Person, marker: string, ms = 120_000) =>
  new Promise<void>((resolve, reject) => {
    if (p.seen.includes(marker)) return resolve();
    const timer = setTimeout(() => {
      p.listeners.delete(check);
      reject(new Error(`no "${marker}" within ${ms} ms: ${p.err} ${p.seen.slice(-300)}`));
    }, ms);
    const check = () => {
      if (!p.seen.includes(marker)) return;
      clearTimeout(timer);
      p.listeners.delete(check);
      resolve();
    };
    p.listeners.add(check);
  });

/** Types one character at a time into `cat` and times each echo. */
async function keystrokes(p: Person): Promise<number[]> {
  p.child.stdin.write('stty -icanon; cat\n');
  await sleep(500);
  const times: number[] = [];
  for (let i = 0; i < KEYSTROKES; i++) {
    const c = String.fromCharCode(97 + (i % 26));
    const mark = p.len;
    const t0 = performance.now();
    const echoed = new Promise<void>((resolve) => {
      const check = () => {
        if (p.len > mark && p.seen.endsWith(c)) {
          p.listeners.delete(check);
          resolve();
        }
      };
      p.listeners.add(check);
    });
    p.child.stdin.write(c);
    await Promise.race([echoed, sleep(5_000)]);
    times.push(performance.now() - t0);
    await sleep(40);
  }
  return times;
}

function sshArgs(key: string, port: number, target: string): string[] {
  return [
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
    '-F',
    '/dev/null',
    '-tt',
    '-p',
    String(port),
    target,
  ];
}

/** RSS (bytes) of this process's children that are the gateway's outbound ssh (ssh -E). */
function outboundSshRss(): { count: number; bytes: number } {
  let count = 0;
  let bytes = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      if (!new RegExp(`^PPid:\\s+${process.pid}$`, 'm').test(status)) continue;
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (cmd[0] !== 'ssh' || !cmd.includes('-E')) continue;
      count++;
      bytes += Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0) * 1024;
    } catch {
      // gone meanwhile
    }
  }
  return { count, bytes };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'kw-bench-gw-'));
  await chmod(dir, 0o755);
  await mkdir(path.join(dir, 'homes'), { mode: 0o755 });
  const deploy = await createTestUser({ name: 'deploy' }, path.join(dir, 'homes'));
  const keysDir = path.join(dir, 'keys');
  await mkdir(keysDir, { recursive: true });
  const fleet = await startSshdFleet({
    count: 1,
    settings: () => ({
      AuthorizedKeysFile: `${keysDir}/%u .ssh/authorized_keys`,
      MaxStartups: '400',
      MaxSessions: '400',
    }),
  });
  const host = fleet.hosts[0]!;
  let ctl: TestController | null = null;
  const people: Person[] = [];
  try {
    ctl = await startTestController({
      env: {
        KEYWARDEN_GATEWAY_ADDR: '127.0.0.1:0',
        KEYWARDEN_ALLOWED_SSHD_CONFIG_PATHS: JSON.stringify([host.sshd.configPath]),
        KEYWARDEN_WORKER_CONCURRENCY: '32',
        KEYWARDEN_SSH_MAX_SESSIONS_PER_HOST: '8',
      },
    });
    const c = ctl;
    const store = c.services.store;
    await store.hostGroups.setScanDefaults(
      { 'scan-authorized-keys': 0, 'scan-configs': 0, 'scan-host-key-activity': 0, 'scan-full': 0 },
      Date.now(),
    );
    const added = await c.api<{ host: HostRecord }>('POST', '/api/v1/hosts', {
      body: {
        address: host.address,
        port: host.port,
        managementAccount: host.account,
        password: host.password,
        hostKeyFingerprint: host.sshd.hostKeyFingerprint,
      },
    });
    const hostId = added.body.host.id;
    await until(
      'host monitored',
      async () => (await store.hosts.get(hostId))?.state === 'monitored',
    );
    const manage = await c.api<{ jobId: string }>('POST', `/api/v1/hosts/${hostId}/manage`);
    await until('host managed', async () => {
      const j = await c.api<{ state: string }>('GET', `/api/v1/jobs/${manage.body.jobId}`);
      if (j.body.state === 'failed') throw new Error(`manage failed: ${JSON.stringify(j.body)}`);
      return j.body.state === 'completed' && (await store.hosts.get(hostId))?.state === 'managed';
    });
    const scan = await c.api<{ job: { id: string } }>('POST', '/api/v1/jobs', {
      body: { type: 'scan-configs', params: { hostId, sshdConfigPath: host.sshd.configPath } },
    });
    await until('config scan', async () => {
      const j = await c.api<{ state: string }>('GET', `/api/v1/jobs/${scan.body.job.id}`);
      return ['completed', 'failed'].includes(j.body.state);
    });

    // One person with a grant; the direct baseline uses a key placed on the host as usual.
    const key = await generateClientKey(dir, 'bench-person');
    const now = Date.now();
    const person: PersonRecord = {
      id: 'p-bench',
      directoryId: 'uuid-bench',
      dn: 'uid=bench',
      uid: 'bench',
      name: 'bench',
      email: null,
      state: 'active',
      groups: [],
      createdAt: now,
      updatedAt: now,
      leftAt: null,
      keys: [{ publicKey: key.publicKey, fingerprint: key.fingerprint, source: 'api' }],
    };
    await store.directory.putPerson(person);
    // The direct baseline logs in with the same key written to the file by hand.
    await writeFile(path.join(keysDir, deploy.name), `${key.publicKey}\n`, { mode: 0o644 });
    await store.authorizations.create({
      id: `bench-grant-${now}`,
      fingerprint: key.fingerprint,
      publicKey: key.publicKey,
      source: { kind: 'public-key' },
      account: deploy.name,
      target: { hostId },
      options: [],
      expiresAt: null,
      onDrift: 'restore',
      state: 'active',
      createdBy: 'bench',
      createdAt: now,
      removedBy: null,
      removedAt: null,
      updatedAt: now,
    });
    const gwPort = c.services.sessionGateway!.address().port;
    const target = `${deploy.name}@${hostId}@127.0.0.1`;
    const load = 'while :; do head -c 7400 /dev/urandom | base64 -w 100; sleep 1; done\n';

    global.gc?.();
    const rss0 = process.memoryUsage().rss;
    const cpu0 = process.cpuUsage();
    const open0 = performance.now();
    const openTimes: number[] = [];
    // Opened in waves of 10: each is a key placement job and an ssh login on one sshd.
    for (let i = 0; i < SESSIONS; i += 10) {
      const wave = Array.from({ length: Math.min(10, SESSIONS - i) }, async () => {
        const t0 = performance.now();
        const p = personSsh(sshArgs(key.path, gwPort, target));
        people.push(p);
        p.child.stdin.write('echo READY-$((20+22))\n');
        await waitOutput(p, 'READY-42');
        openTimes.push(performance.now() - t0);
        p.child.stdin.write(load);
      });
      await Promise.all(wave);
    }
    const openedInMs = performance.now() - open0;
    const loadStart = Date.now();
    const probes = Array.from({ length: PROBES }, () =>
      personSsh(sshArgs(key.path, gwPort, target)),
    );
    people.push(...probes);
    for (const p of probes) p.child.stdin.write('echo READY-$((20+22))\n');
    await Promise.all(probes.map((p) => waitOutput(p, 'READY-42')));
    const direct = Array.from({ length: PROBES }, () =>
      personSsh(sshArgs(key.path, host.port, `${deploy.name}@${host.address}`)),
    );
    people.push(...direct);
    for (const p of direct) p.child.stdin.write('echo READY-$((20+22))\n');
    await Promise.all(direct.map((p) => waitOutput(p, 'READY-42')));
    const [viaGateway, straight] = await Promise.all([
      Promise.all(probes.map(keystrokes)).then((x) => x.flat()),
      Promise.all(direct.map(keystrokes)).then((x) => x.flat()),
    ]);
    const left = SECONDS * 1000 - (Date.now() - loadStart);
    if (left > 0) await sleep(left);
    const rss1 = process.memoryUsage().rss;
    const outbound = outboundSshRss();
    const live = (await store.sessions.list({ state: ['live'] }, { limit: 1000 })).items.length;
    const cpu = process.cpuUsage(cpu0);
    const wallMs = Date.now() - loadStart + openedInMs;
    for (const p of people) p.child.stdin.write('\x03\x03exit\n');
    await sleep(2000);
    for (const p of people) p.child.kill();
    await until(
      'sessions ended',
      async () =>
        (await store.sessions.list({ state: ['live', 'connecting'] }, { limit: 1 })).items
          .length === 0,
      60_000,
    );
    const ended = (await store.sessions.list({}, { limit: 1000 })).items;
    let castBytes = 0;
    let sessionMinutes = 0;
    for (const s of ended) {
      if (!s.recordingPath || s.connectedAt === null || s.endedAt === null) continue;
      castBytes += statSync(path.join(c.services.config.dataDir, s.recordingPath)).size;
      if (s.inputPath)
        castBytes += statSync(path.join(c.services.config.dataDir, s.inputPath)).size;
      sessionMinutes += (s.endedAt - s.connectedAt) / 60_000;
    }
    const total = SESSIONS + PROBES;
    console.log(
      JSON.stringify({
        bench: 'gateway',
        sessions: SESSIONS,
        probeSessions: PROBES,
        liveAtPeak: live,
        seconds: SECONDS,
        outputPerSessionBytesPerSecond: 10_000,
        sessionOpenP50Ms: Math.round(pct(openTimes, 50)),
        sessionOpenP99Ms: Math.round(pct(openTimes, 99)),
        keystrokeP50Ms: round(pct(viaGateway, 50)),
        keystrokeP99Ms: round(pct(viaGateway, 99)),
        directKeystrokeP50Ms: round(pct(straight, 50)),
        directKeystrokeP99Ms: round(pct(straight, 99)),
        addedKeystrokeP99Ms: round(pct(viaGateway, 99) - pct(straight, 99)),
        controllerRssPerSessionMiB: round((rss1 - rss0) / total / 1048576),
        outboundSshProcesses: outbound.count,
        outboundSshRssPerSessionMiB: round(outbound.bytes / Math.max(1, outbound.count) / 1048576),
        controllerCpuPercentOfOneCore: Math.round(((cpu.user + cpu.system) / 1000 / wallMs) * 100),
        recordingBytesPerSessionMinute: Math.round(castBytes / Math.max(sessionMinutes, 1e-9)),
        loadavg1: round(loadavg()[0] ?? 0),
      }),
    );
  } finally {
    for (const p of people) p.child.kill('SIGKILL');
    await ctl?.stop();
    await fleet.stop();
    await removeTestUsers([deploy]);
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
