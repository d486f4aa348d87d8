/**
 * One simulator process of bench:fleet: agents [from, to), each a real grpc-js client with
 * its own cached client certificate holding a Connect stream, answering assignments by
 * running the host operation on a shared fake host root. Connections are opened with at
 * most `inflight` handshakes pending and at most `rate` new ones per second, so the
 * controller is not flooded into handshake timeouts; a stream that fails is reopened
 * after a jittered second, as an agent would. Reports its counters to the parent.
 */
import * as grpc from '@grpc/grpc-js';
import { runHostOperation } from '../shared/hostops/operation-registry';
import {
  decodeHostOperation,
  HOST_OPERATION_CAPABILITY,
  toStructValue,
} from '../shared/proto/host-operation-message';
import {
  AgentServiceClient,
  ConnectionMode,
  type AgentMessage,
  type ControllerMessage,
} from '../shared/proto/gen/keywarden/agent/v1/agent';
import { LocalSession } from '../shared/session/local-session';
import { loadFleetCertificates } from './fleet-certs';

export interface SimulatorStats {
  connected: number;
  answered: number;
  failures: number;
  /** CPU milliseconds this process used so far. */
  cpuMs: number;
  /** Milliseconds from opening a stream to its welcome, for the last window. */
  welcomeMs: number[];
}

async function simulate(): Promise<void> {
  const [, , , cacheDir, target, fromS, toS, hostRoot, inflightS, rateS] = process.argv;
  const from = Number(fromS);
  const to = Number(toS);
  const maxInflight = Number(inflightS);
  const rate = Number(rateS);
  const { caCertPem, agents } = await loadFleetCertificates(cacheDir!, from, to);
  const session = new LocalSession({ rootPrefix: hostRoot });
  const ca = Buffer.from(caCertPem);
  const stats: SimulatorStats = {
    connected: 0,
    answered: 0,
    failures: 0,
    cpuMs: 0,
    welcomeMs: [],
  };
  const cpu0 = process.cpuUsage();
  const waiting: number[] = [];
  let inflight = 0;
  let tokens = 0;
  let lastRefill = Date.now();

  const open = (k: number) => {
    inflight++;
    const opened = Date.now();
    const creds = agents[k]!;
    const client = new AgentServiceClient(
      target!,
      grpc.credentials.createSsl(ca, Buffer.from(creds.keyPem), Buffer.from(creds.certPem)),
      { 'grpc.keepalive_time_ms': 120_000, 'grpc.ssl_target_name_override': 'localhost' },
    );
    const call = client.connect();
    let welcomed = false;
    let over = false;
    const down = () => {
      if (over) return;
      over = true;
      if (welcomed) stats.connected--;
      else inflight--;
      stats.failures++;
      client.close();
      setTimeout(() => waiting.push(k), 500 + Math.random() * 1000);
    };
    call.on('error', down);
    call.on('end', down);
    const result = (value: NonNullable<AgentMessage['kind']> & { $case: 'result' }) =>
      call.write({ kind: value });
    call.on('data', (m: ControllerMessage) => {
      const kind = m.kind;
      if (kind?.$case === 'welcome' && !welcomed) {
        welcomed = true;
        inflight--;
        stats.connected++;
        stats.welcomeMs.push(Date.now() - opened);
      }
      if (kind?.$case !== 'assignment') return;
      const a = kind.value;
      const { operation, args } = decodeHostOperation(a.operation) ?? { operation: '', args: {} };
      const startedAtMs = Date.now();
      runHostOperation(session, operation, args, new AbortController().signal).then(
        (out) => {
          stats.answered++;
          result({
            $case: 'result',
            value: {
              job: a.job,
              startedAtMs,
              finishedAtMs: Date.now(),
              outcome: { $case: 'output', value: { operation, value: toStructValue(out) } },
            },
          });
        },
        (err: Error) =>
          result({
            $case: 'result',
            value: {
              job: a.job,
              startedAtMs,
              finishedAtMs: Date.now(),
              outcome: {
                $case: 'error',
                value: { code: 'INTERNAL', message: err.message, retryable: false },
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
          capabilities: [HOST_OPERATION_CAPABILITY],
        },
      },
    });
  };

  for (let k = 0; k < agents.length; k++) waiting.push(k);
  setInterval(() => {
    const now = Date.now();
    tokens = Math.min(rate, tokens + ((now - lastRefill) * rate) / 1000);
    lastRefill = now;
    while (waiting.length > 0 && inflight < maxInflight && tokens >= 1) {
      tokens--;
      open(waiting.shift()!);
    }
  }, 10);
  setInterval(() => {
    const cpu = process.cpuUsage(cpu0);
    stats.cpuMs = (cpu.user + cpu.system) / 1000;
    process.send?.(stats);
    stats.welcomeMs = [];
  }, 500);
}

if (process.argv[2] === 'simulate') void simulate();
