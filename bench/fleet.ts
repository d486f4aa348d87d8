/**
 * bench:fleet: N simulated agents (real grpc-js clients with their own client
 * certificates, in several processes) hold streams to one controller; one scan job is
 * queued per agent; we time until every result is stored and watch controller memory.
 * Prints one JSON line. FLEET_AGENTS (default 10000), FLEET_PROCESSES (default 4).
 */
import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import pino from 'pino';
import { loadConfig } from '../controller/config/load-config';
import { startController } from '../controller/start-controller';
import { issueAgentCertificate, loadOrCreateCa } from '../controller/agents/certificate-authority';
import { runHostOperation } from '../shared/hostops/operation-registry';
import { decodeOperation, toStructValue } from '../shared/proto/operation-messages';
import {
  AgentServiceClient,
  ConnectionMode,
  type ControllerMessage,
} from '../shared/proto/gen/keywarden/agent/v1/agent';
import { createCsr, generateKeyPair, privateKeyToPem } from '../shared/proto/pem-keys';
import { LocalSession } from '../shared/session/local-session';

const agentId = (i: number) => `agt_${(0x100000 + i).toString(16)}`;

async function simulate(): Promise<void> {
  const [, , , caDir, target, fromS, toS, hostRoot] = process.argv;
  const from = Number(fromS);
  const to = Number(toS);
  const ca = await loadOrCreateCa(caDir!);
  const session = new LocalSession({ rootPrefix: hostRoot });
  let connected = 0;
  let answered = 0;
  const keys = await generateKeyPair(); // one key pair, a certificate per agent: cheaper, same TLS work
  const keyPem = Buffer.from(await privateKeyToPem(keys.privateKey));
  for (let i = from; i < to; i++) {
    const cert = await issueAgentCertificate(
      ca,
      await createCsr(keys, 'sim'),
      agentId(i),
      86_400_000,
    );
    const client = new AgentServiceClient(
      target!,
      grpc.credentials.createSsl(Buffer.from(ca.certPem), keyPem, Buffer.from(cert.certPem)),
      {
        'grpc.keepalive_time_ms': 120_000,
      },
    );
    const call = client.connect();
    call.on('error', () => undefined);
    call.on('data', (m: ControllerMessage) => {
      const k = m.kind;
      if (k?.$case === 'welcome') connected++;
      if (k?.$case !== 'assignment') return;
      const a = k.value;
      const { operation, args } = decodeOperation(a.operation!);
      const started = Date.now();
      runHostOperation(session, operation, args, new AbortController().signal).then(
        (out) => {
          answered++;
          call.write({
            kind: {
              $case: 'result',
              value: {
                job: a.job,
                startedAtMs: started,
                finishedAtMs: Date.now(),
                outcome: { $case: 'output', value: { operation, value: toStructValue(out) } },
              },
            },
          });
        },
        (err: Error) =>
          call.write({
            kind: {
              $case: 'result',
              value: {
                job: a.job,
                startedAtMs: started,
                finishedAtMs: Date.now(),
                outcome: {
                  $case: 'error',
                  value: { code: 'INTERNAL', message: err.message, retryable: false },
                },
              },
            },
          }),
      );
    });
    call.write({
      kind: {
        $case: 'hello',
        value: {
          agentVersion: 'sim',
          mode: ConnectionMode.CONNECTION_MODE_STREAM,
          running: [],
          spooledResults: 0,
        },
      },
    });
    if (i % 200 === 0) await new Promise((r) => setTimeout(r, 20));
  }
  setInterval(() => process.send?.({ connected, answered }), 500);
}

async function main(): Promise<void> {
  const n = Number(process.env.FLEET_AGENTS ?? 10_000);
  const procs = Number(process.env.FLEET_PROCESSES ?? 4);
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-fleet-'));
  const hostRoot = path.join(dir, 'host');
  mkdirSync(path.join(hostRoot, 'etc'), { recursive: true });
  writeFileSync(
    path.join(hostRoot, 'etc/passwd'),
    'root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n',
  );
  writeFileSync(path.join(hostRoot, 'etc/group'), 'root:x:0:\nalice:x:1000:\n');
  const gw = await freePort();
  const config = loadConfig({
    KEYWARDEN_DATA_DIR: dir,
    KEYWARDEN_HTTP_ADDR: '127.0.0.1:0',
    KEYWARDEN_GRPC_ADDR: `127.0.0.1:${gw}`,
    KEYWARDEN_ENROLL_ADDR: '127.0.0.1:0',
    KEYWARDEN_ENABLE_TEST_JOB_TYPES: 'true',
    KEYWARDEN_WORKER_CONCURRENCY: process.env.FLEET_CONCURRENCY ?? '2000',
    KEYWARDEN_CLAIM_BATCH: '500',
    KEYWARDEN_POLL_INTERVAL: '1s',
    KEYWARDEN_LOG_LEVEL: 'error',
  });
  const ctl = await startController(config, pino({ level: 'error' }));
  const { store, queue } = ctl.services;
  const settings = {
    mode: 'stream' as const,
    connectIntervalMs: 3_600_000,
    maxConcurrentJobs: 4,
    heartbeatIntervalMs: 600_000,
  };
  const now = Date.now();
  for (let i = 0; i < n; i += 1000) {
    const ids = Array.from({ length: Math.min(1000, n - i) }, (_, k) => i + k);
    await store.hosts.createMany(
      ids.map((j) => ({
        id: `h${j}`,
        name: `sim-${j}`,
        address: `10.0.${j >> 8}.${j & 255}`,
        port: 22,
        kind: 'agent',
        state: 'discovered',
        hostKeyFingerprint: null,
        managementAccount: null,
        agentId: agentId(j),
        os: null,
        sshProduct: null,
        lastSeenAt: now,
      })),
      now,
    );
    for (const j of ids) {
      await store.agentFleet.agents.create(
        {
          id: agentId(j),
          groupId: null,
          enrollmentTokenId: 'bench',
          settings,
          certificateSerial: '0',
          certificateNotAfter: now + 86_400_000,
          version: 'sim',
          facts: {},
        },
        now,
      );
      await store.agentFleet.agents.bindHost(agentId(j), `h${j}`, now);
    }
  }
  const stats = new Map<number, { connected: number; answered: number }>();
  const children = Array.from({ length: procs }, (_, p) => {
    const from = Math.floor((n * p) / procs);
    const to = Math.floor((n * (p + 1)) / procs);
    const c = fork(
      import.meta.filename,
      ['simulate', path.join(dir, 'ca'), `127.0.0.1:${gw}`, String(from), String(to), hostRoot],
      { execArgv: ['--import', 'tsx', '--max-old-space-size=4096'] },
    );
    c.on('message', (m) => stats.set(p, m as { connected: number; answered: number }));
    return c;
  });
  let peakRss = 0;
  const sample = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 250);
  const connectStart = Date.now();
  const sum = (k: 'connected' | 'answered') => [...stats.values()].reduce((a, s) => a + s[k], 0);
  while (sum('connected') < n && Date.now() - connectStart < 300_000)
    await new Promise((r) => setTimeout(r, 250));
  const connectMs = Date.now() - connectStart;
  const connected = sum('connected');
  const t0 = Date.now();
  for (let i = 0; i < n; i += 1000) {
    await queue.enqueueMany(
      Array.from({ length: Math.min(1000, n - i) }, (_, k) => ({
        type: 'test-host-operation',
        params: { operation: 'list-accounts' },
        opts: { createdBy: 'bench', trigger: 'admin' as const, hostId: `h${i + k}` },
      })),
    );
  }
  let completed = 0;
  let failed = 0;
  while (Date.now() - t0 < 300_000) {
    const counts = await store.jobs.countByTypeAndState();
    completed =
      counts.find((c) => c.type === 'test-host-operation' && c.state === 'completed')?.count ?? 0;
    failed =
      counts.find((c) => c.type === 'test-host-operation' && c.state === 'failed')?.count ?? 0;
    if (completed + failed >= n) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const roundMs = Date.now() - t0;
  clearInterval(sample);
  const results = await store.agentFleet.results.count();
  process.stdout.write(
    `${JSON.stringify({ bench: 'fleet', agents: n, processes: procs, connected, connectMs, jobs: n, completed, failed, resultsStored: results, roundMs, controllerPeakRssMb: Math.round(peakRss / 2 ** 20), controllerHeapMb: Math.round(process.memoryUsage().heapUsed / 2 ** 20), store: store.kind })}\n`,
  );
  for (const c of children) c.kill('SIGKILL');
  await ctl.stop();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() =>
        typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no free port')),
      );
    });
  });
}

if (process.argv[2] === 'simulate') void simulate();
else void main();
