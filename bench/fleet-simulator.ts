/**
 * One simulator process of bench:fleet (and of the reconnect storm test): agents
 * [from, to), each a real grpc-js client with its own cached client certificate holding a
 * Connect stream, answering assignments by running the host operation on a shared fake
 * host root. The cold start is paced (at most `inflight` handshakes pending, at most
 * `rate` new ones per second) as a fleet coming up over time would be; a stream that
 * fails or drops is reopened after the agent's own backoff (agent/reconnect-backoff.ts:
 * exponential, full jitter), unpaced, as real agents do. On {cmd: 'drop'} every stream is
 * cut at once (a controller restart as the agents see it) and the time of each agent's
 * first reconnect attempt and of its welcome back are reported, counted from the cut.
 * Reports its counters to the parent.
 */
import * as grpc from '@grpc/grpc-js';
import { reconnectDelayMs } from '../agent/reconnect-backoff';
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
  /** Milliseconds from opening a stream to its welcome, since the last report. */
  welcomeMs: number[];
  /** After a drop: the delay each agent drew (its backoff) before its first reconnect attempt. */
  stormDelayMs: number[];
  /** After a drop: ms from the cut to each agent's first reconnect attempt, since the last report. */
  stormAttemptMs: number[];
  /** After a drop: ms from the cut to each agent's welcome back, since the last report. */
  stormBackMs: number[];
}

export type SimulatorCommand = { cmd: 'drop' };

/** The agent's keepalive (agent/connection.ts), so the gateway sees agents' pings. */
const AGENT_CHANNEL_OPTIONS = {
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.ssl_target_name_override': 'localhost',
};

async function simulate(): Promise<void> {
  const [, , , cacheDir, target, fromS, toS, hostRoot, inflightS, rateS, maxBackoffS] =
    process.argv;
  const from = Number(fromS);
  const to = Number(toS);
  const maxInflight = Number(inflightS);
  const rate = Number(rateS);
  const maxBackoffMs = Number(maxBackoffS ?? 60_000);
  const { caCertPem, agents } = await loadFleetCertificates(cacheDir!, from, to);
  const session = new LocalSession({ rootPrefix: hostRoot });
  const ca = Buffer.from(caCertPem);
  const stats: SimulatorStats = {
    connected: 0,
    answered: 0,
    failures: 0,
    cpuMs: 0,
    welcomeMs: [],
    stormDelayMs: [],
    stormAttemptMs: [],
    stormBackMs: [],
  };
  const cpu0 = process.cpuUsage();
  const waiting: number[] = [];
  const failures = new Array<number>(agents.length).fill(0);
  const live = new Map<
    number,
    { client: AgentServiceClient; call: grpc.ClientDuplexStream<AgentMessage, ControllerMessage> }
  >();
  /** Per agent, set at a drop until it is welcomed back: whether its first attempt was counted. */
  const storm = new Map<number, boolean>();
  let droppedAt = 0;
  let inflight = 0;
  let tokens = 0;
  let lastRefill = Date.now();

  const open = (k: number, paced: boolean) => {
    if (paced) inflight++;
    const opened = Date.now();
    if (storm.get(k) === false) {
      storm.set(k, true);
      stats.stormAttemptMs.push(opened - droppedAt);
    }
    const creds = agents[k]!;
    const client = new AgentServiceClient(
      target!,
      grpc.credentials.createSsl(ca, Buffer.from(creds.keyPem), Buffer.from(creds.certPem)),
      AGENT_CHANNEL_OPTIONS,
    );
    const call = client.connect();
    live.set(k, { client, call });
    let welcomed = false;
    let over = false;
    const down = (err?: Error) => {
      if (over) return;
      if (err && process.env.FLEET_DEBUG) process.stderr.write(`agent ${k}: ${err.message}\n`);
      over = true;
      live.delete(k);
      if (welcomed) stats.connected--;
      else if (paced) inflight--;
      stats.failures++;
      failures[k] = welcomed ? 1 : failures[k]! + 1;
      client.close();
      const delay = reconnectDelayMs(failures[k]!, maxBackoffMs);
      if (storm.get(k) === false && welcomed) stats.stormDelayMs.push(delay);
      setTimeout(() => open(k, false), delay);
    };
    call.on('error', down);
    call.on('end', down);
    const result = (value: NonNullable<AgentMessage['kind']> & { $case: 'result' }) =>
      call.write({ kind: value });
    call.on('data', (m: ControllerMessage) => {
      const kind = m.kind;
      if (kind?.$case === 'welcome' && !welcomed) {
        welcomed = true;
        if (paced) inflight--;
        stats.connected++;
        stats.welcomeMs.push(Date.now() - opened);
        if (storm.has(k)) {
          storm.delete(k);
          stats.stormBackMs.push(Date.now() - droppedAt);
        }
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

  process.on('message', (m: SimulatorCommand) => {
    if (m.cmd !== 'drop') return;
    droppedAt = Date.now();
    for (let k = 0; k < agents.length; k++) storm.set(k, false);
    // Cancelling ends each stream with an error: its down() schedules the reconnect.
    for (const { call } of [...live.values()]) call.cancel();
  });

  for (let k = 0; k < agents.length; k++) waiting.push(k);
  const pacer = setInterval(() => {
    const now = Date.now();
    tokens = Math.min(rate, tokens + ((now - lastRefill) * rate) / 1000);
    lastRefill = now;
    while (waiting.length > 0 && inflight < maxInflight && tokens >= 1) {
      tokens--;
      open(waiting.shift()!, true);
    }
    if (waiting.length === 0) clearInterval(pacer);
  }, 10);
  setInterval(() => {
    const cpu = process.cpuUsage(cpu0);
    stats.cpuMs = (cpu.user + cpu.system) / 1000;
    process.send?.(stats);
    stats.welcomeMs = [];
    stats.stormDelayMs = [];
    stats.stormAttemptMs = [];
    stats.stormBackMs = [];
  }, 500);
}

if (process.argv[2] === 'simulate') void simulate();
