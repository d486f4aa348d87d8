/**
 * Where a held agent stream's controller memory and connection CPU go, layer by layer,
 * without the store or the engine: a server process holding N mutual-TLS connections
 * opened by a client process, as
 *  - tls:   Node's tls server alone (the handshake, an idle TLS socket),
 *  - http2: Node's http2 secure server with one open request stream per connection,
 *  - grpc:  grpc-js with the gateway's options and credentials, one Connect stream per
 *           connection answered with a welcome (what the gateway's transport holds),
 * then the grpc layer with one change at a time (VARIANTS below). For each: server RSS and
 * heap per connection (after full GCs, over the server's baseline) and server CPU per
 * connection. Uses the bench:fleet certificate cache (FLEET_CACHE_DIR).
 * `npx tsx bench/fleet-memory.ts [connections=1000] [layer,...]` prints one JSON line.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import * as http2 from 'node:http2';
import { loadavg } from 'node:os';
import * as tls from 'node:tls';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as grpc from '@grpc/grpc-js';
import { issueServerCertificate, loadOrCreateCa } from '../controller/agents/certificate-authority';
import { staticCertificates } from '../controller/agents/static-certificates';
import {
  AgentServiceClient,
  AgentServiceService,
  ConnectionMode,
  type AgentMessage,
  type ControllerMessage,
} from '../shared/proto/gen/keywarden/agent/v1/agent';
import { ensureFleetCertificates, fleetCacheDir, loadFleetCertificates } from './fleet-certs';
import path from 'node:path';

/** The gateway's agent-server options (agent-gateway.ts, listen). */
const GATEWAY_OPTIONS: grpc.ServerOptions = {
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.max_concurrent_streams': 16,
};

const VARIANTS: Record<string, grpc.ServerOptions> = {
  grpc: GATEWAY_OPTIONS,
  'grpc-no-server-keepalive': {
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.max_concurrent_streams': 16,
  },
  'grpc-max-session-memory-1mb': { ...GATEWAY_OPTIONS, 'grpc-node.max_session_memory': 1 },
};

/** HTTP/2 settings a server could advertise instead of Node's defaults (64 KB windows, 4 KB HPACK tables). */
const SMALL_HTTP2_SETTINGS: http2.Settings = {
  initialWindowSize: 16_384,
  headerTableSize: 512,
  maxHeaderListSize: 16_384,
};

type Layer = 'tls' | 'http2' | 'http2-small-settings' | keyof typeof VARIANTS;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

async function settled(): Promise<{ rss: number; heap: number }> {
  for (let i = 0; i < 3; i++) {
    gc();
    await sleep(300);
  }
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed };
}

async function server(layer: Layer, cacheDir: string): Promise<void> {
  const ca = await loadOrCreateCa(path.join(cacheDir, 'ca'));
  const own = await issueServerCertificate(ca, ['localhost', '127.0.0.1']);
  const tlsOptions = {
    ca: ca.certPem,
    cert: own.certPem,
    key: own.keyPem,
    requestCert: true,
    rejectUnauthorized: false,
  };
  const held: unknown[] = [];
  let port: number;
  if (layer === 'tls') {
    const s = tls.createServer(tlsOptions, (sock) => {
      sock.on('error', () => undefined);
      held.push(sock);
    });
    s.listen(0, '127.0.0.1');
    await once(s, 'listening');
    port = (s.address() as { port: number }).port;
  } else if (layer === 'http2' || layer === 'http2-small-settings') {
    const s = http2.createSecureServer({
      ...tlsOptions,
      maxSessionMemory: Number.MAX_SAFE_INTEGER,
      ...(layer === 'http2' ? {} : { settings: SMALL_HTTP2_SETTINGS }),
    });
    s.on('stream', (stream) => {
      stream.on('error', () => undefined);
      stream.respond({ ':status': 200 });
      stream.write('welcome');
      held.push(stream);
    });
    s.listen(0, '127.0.0.1');
    await once(s, 'listening');
    port = (s.address() as { port: number }).port;
  } else {
    const s = new grpc.Server(VARIANTS[layer]);
    s.addService(AgentServiceService, {
      connect: (call: grpc.ServerDuplexStream<AgentMessage, ControllerMessage>) => {
        call.on('error', () => undefined);
        call.once('data', () =>
          call.write({
            kind: { $case: 'welcome', value: { agentId: 'a', hostId: 'h', controllerId: 'c' } },
          }),
        );
        held.push(call);
      },
      renewCertificate: (_call: unknown, cb: grpc.sendUnaryData<never>) =>
        cb({ code: grpc.status.UNIMPLEMENTED }),
    });
    const certs = staticCertificates(ca.certPem, own.certPem, own.keyPem);
    const creds = grpc.experimental.createCertificateProviderServerCredentials(certs, certs, false);
    port = await new Promise<number>((resolve, reject) =>
      s.bindAsync('127.0.0.1:0', creds, (err, p) => (err ? reject(err) : resolve(p))),
    );
  }
  const base = await settled();
  const cpu0 = process.cpuUsage();
  process.send!({ port });
  process.on('message', () => {
    void (async () => {
      const cpu = cpuMs(process.cpuUsage(cpu0));
      const m = await settled();
      process.send!({
        rss: m.rss - base.rss,
        heap: m.heap - base.heap,
        cpuMs: cpu,
        held: held.length,
      });
    })();
  });
}

async function client(layer: Layer, port: number, n: number, cacheDir: string): Promise<void> {
  const { caCertPem, agents } = await loadFleetCertificates(cacheDir, 0, Math.min(n, 1000));
  const keep: unknown[] = [];
  let done = 0;
  const welcomed = () => {
    done++;
    if (done === n) process.send!({ held: done });
  };
  const batch = 16;
  for (let i = 0; i < n; i += batch) {
    await Promise.all(
      Array.from({ length: Math.min(batch, n - i) }, (_, k) => {
        const cred = agents[(i + k) % agents.length]!;
        return new Promise<void>((resolve) => {
          if (layer === 'tls') {
            const s = tls.connect({
              host: '127.0.0.1',
              port,
              ca: caCertPem,
              cert: cred.certPem,
              key: cred.keyPem,
              servername: 'localhost',
            });
            s.once('secureConnect', () => (welcomed(), resolve()));
            keep.push(s);
          } else if (layer.startsWith('http2')) {
            const c = http2.connect(`https://localhost:${port}`, {
              ca: caCertPem,
              cert: cred.certPem,
              key: cred.keyPem,
              host: '127.0.0.1',
            } as http2.SecureClientSessionOptions);
            const req = c.request({ ':method': 'POST', ':path': '/x' }, { endStream: false });
            req.once('data', () => (welcomed(), resolve()));
            keep.push(c, req);
          } else {
            const c = new AgentServiceClient(
              `127.0.0.1:${port}`,
              grpc.credentials.createSsl(
                Buffer.from(caCertPem),
                Buffer.from(cred.keyPem),
                Buffer.from(cred.certPem),
              ),
              {
                'grpc.ssl_target_name_override': 'localhost',
                'grpc.use_local_subchannel_pool': 1,
                'grpc.keepalive_time_ms': 30_000,
              },
            );
            const call = c.connect();
            call.on('error', () => undefined);
            call.once('data', () => (welcomed(), resolve()));
            call.write({
              kind: {
                $case: 'hello',
                value: {
                  agentVersion: 'x',
                  mode: ConnectionMode.CONNECTION_MODE_STREAM,
                  running: [],
                  spooledResults: 0,
                  capabilities: [],
                },
              },
            });
            keep.push(c, call);
          }
        });
      }),
    );
  }
  await sleep(1e9);
}

async function measure(layer: Layer, n: number, cacheDir: string): Promise<Record<string, number>> {
  const argv = (mode: string, ...rest: string[]) =>
    fork(import.meta.filename, [mode, layer, cacheDir, ...rest], { execArgv: ['--import', 'tsx'] });
  const srv: ChildProcess = argv('server');
  const [{ port }] = (await once(srv, 'message')) as [{ port: number }];
  const t0 = Date.now();
  const cli = argv('client', String(port), String(n));
  await once(cli, 'message');
  const wallMs = Date.now() - t0;
  srv.send('measure');
  const [m] = (await once(srv, 'message')) as [
    { rss: number; heap: number; cpuMs: number; held: number },
  ];
  cli.kill('SIGKILL');
  srv.kill('SIGKILL');
  return {
    rssKbPerConnection: Math.round(m.rss / 1024 / n),
    heapKbPerConnection: +(m.heap / 1024 / n).toFixed(1),
    serverCpuMsPerConnection: +(m.cpuMs / n).toFixed(2),
    wallMsPerConnection: +(wallMs / n).toFixed(2),
  };
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 1000);
  const layers = (process.argv[3]?.split(',') ?? [
    'tls',
    'http2',
    'http2-small-settings',
    ...Object.keys(VARIANTS),
  ]) as Layer[];
  const cacheDir = fleetCacheDir();
  await ensureFleetCertificates(cacheDir, Math.min(n, 1000), 1);
  const out: Record<string, unknown> = { bench: 'fleet-memory', connections: n };
  for (const layer of layers) {
    out[layer] = await measure(layer, n, cacheDir);
    process.stderr.write(`${layer}: ${JSON.stringify(out[layer])}\n`);
  }
  out.loadavg = loadavg().map((x) => +x.toFixed(1));
  process.stdout.write(`${JSON.stringify(out)}\n`);
  process.exit(0);
}

const [mode, layer, cacheDir, port, n] = process.argv.slice(2);
if (mode === 'server') void server(layer as Layer, cacheDir!);
else if (mode === 'client') void client(layer as Layer, Number(port), Number(n), cacheDir!);
else void main();
