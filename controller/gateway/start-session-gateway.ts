/**
 * Starts the session gateway of this controller when KEYWARDEN_GATEWAY_ADDR is set: the
 * SSH listener, the table of its running sessions, and their heartbeat (every few seconds
 * the store learns they are alive and how many bytes passed, and this process picks up the
 * terminate requests an admin made through any controller).
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'ssh2';
import type { ControllerServices } from '../controller-services';
import { secretBoxFor } from '../secrets/secret-boxes';
import { OPEN_SESSION_STATES } from '../store/session-records';
import { loadGatewayHostKey } from './gateway-host-key';
import { createGatewayServer } from './gateway-server';
import { newId } from '../store/ids';
import type { LiveSession, PersonChannel, SessionRequest } from './gateway-session';
import { startGatewaySession } from './gateway-session';
import { HEARTBEAT_MS } from './heartbeat';
import { setLocalGateway } from './local-gateway';
import { onSessionEnd } from './session-end-hooks';
import { shareRecording } from './shared-recordings';
import { sessionLogConverter } from '../jobs/session-log-converter';
import { invalidConfig } from '../../shared/errors';
import type { Config } from '../config/load-config';
import { krlCheck } from './revoked-credential';
import { readTrustedCas } from './trusted-user-cas';

export interface SessionGateway {
  /** Where it listens now (the port is the one bound when 0 was asked). */
  address(): { host: string; port: number };
  hostKeyFingerprint: string;
  controllerId: string;
  live(): LiveSession[];
  get(id: string): LiveSession | undefined;
  /**
   * A session opened by another way in than the SSH listener (the console's web terminal):
   * the same session code, access decision, ephemeral key, recording, heartbeat and end.
   */
  openSession(req: SessionRequest, channel: PersonChannel): LiveSession;
  /** Closes the listener (running sessions go on) and listens again on the same address. */
  restart(): Promise<void>;
  listening(): boolean;
  /** Stops taking new connections; running sessions go on (a drain before maintenance). */
  stopListening(): Promise<void>;
  /** Ends every running session (terminated: controller stopping) and closes the listener. */
  stop(): Promise<void>;
}

export async function startSessionGateway(s: ControllerServices): Promise<SessionGateway | null> {
  const addr = s.config.gatewayAddr;
  if (!addr) return null;
  const log = s.log.child({ component: 'gateway' });
  const hostKey = loadGatewayHostKey(s.config.dataDir, secretBoxFor(s.config));
  await checkCredentialSettings(s.config, hostKey.publicKey);
  const sessions = new Map<string, LiveSession>();
  const controllerId = s.engine.workerId;
  const deps = {
    store: s.store,
    queue: s.queue,
    config: s.config,
    log,
    controllerId,
    hostKey: hostKey.privateKey,
    track: (live: LiveSession) => {
      sessions.set(live.id, live);
      void live.done.finally(() => sessions.delete(live.id));
    },
  };
  let server: Server = createGatewayServer(deps);
  let bound = { host: addr.host, port: addr.port };
  let isListening = false;
  const listen = (srv: Server, port: number) =>
    new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(port, addr.host, () => {
        srv.off('error', reject);
        isListening = true;
        const a = srv.address() as AddressInfo;
        bound = { host: addr.host, port: a.port };
        resolve();
      });
    });
  const close = (srv: Server) =>
    new Promise<void>((resolve) => {
      isListening = false;
      srv.close(() => resolve());
    });
  // First the recording goes to the store (MongoDB), so any controller can serve it and the
  // text pipeline's job may run on any of them.
  const forgetShare = onSessionEnd((ended) =>
    shareRecording({ store: s.store, dataDir: s.config.dataDir }, ended),
  );
  // Every session that connected is turned into its readable log, indexed and scored.
  const forgetHook = onSessionEnd(async ({ session }) => {
    await s.queue.enqueue(
      sessionLogConverter.type,
      { sessionId: session.id },
      {
        createdBy: 'gateway',
        trigger: 'event',
        dedupeKey: `session-log-converter:${session.id}`,
      },
    );
  });
  await listen(server, addr.port);
  log.info(
    { address: `${bound.host}:${bound.port}`, hostKey: hostKey.fingerprint },
    'session gateway listening',
  );

  const beat = async () => {
    const now = Date.now();
    const items = [...sessions.values()].map((l) => ({ id: l.id, ...l.counts() }));
    await s.store.sessions.heartbeat(items, now);
    const asked = await s.store.sessions.list(
      { state: [...OPEN_SESSION_STATES], controllerId, terminateRequested: true },
      { limit: 100 },
    );
    for (const rec of asked.items) {
      const live = sessions.get(rec.id);
      if (live)
        await live.terminate(
          rec.terminateRequestedBy ?? 'admin',
          `the session was terminated by ${rec.terminateRequestedBy ?? 'an admin'}`,
        );
    }
  };
  let beating = false;
  const timer = setInterval(() => {
    if (beating) return;
    beating = true;
    beat()
      .catch((err: unknown) => log.warn({ err }, 'gateway heartbeat failed'))
      .finally(() => (beating = false));
  }, HEARTBEAT_MS);
  timer.unref();

  const gateway: SessionGateway = {
    address: () => bound,
    hostKeyFingerprint: hostKey.fingerprint,
    controllerId,
    live: () => [...sessions.values()],
    get: (id) => sessions.get(id),
    openSession: (req, channel) => {
      const live = startGatewaySession(deps, req, channel, (sessionId, type, details) => {
        const at = Date.now();
        s.store.sessions
          .addEvent({ id: newId(at), sessionId, at, type, details })
          .catch((err: unknown) => log.warn({ err, sessionId, type }, 'session event lost'));
      });
      deps.track(live);
      return live;
    },
    listening: () => isListening && server.listening,
    stopListening: () =>
      Promise.race([close(server), new Promise<void>((r) => setTimeout(r, 1000))]),
    restart: async () => {
      const old = server;
      await Promise.race([close(old), new Promise((r) => setTimeout(r, 1000))]);
      server = createGatewayServer(deps);
      await listen(server, bound.port);
      log.warn({ address: `${bound.host}:${bound.port}` }, 'session gateway listener restarted');
    },
    stop: async () => {
      clearInterval(timer);
      setLocalGateway(null);
      forgetHook();
      forgetShare();
      const closing = close(server);
      await Promise.all(
        [...sessions.values()].map((l) =>
          l.terminate('system', 'the controller is stopping: the session was ended'),
        ),
      );
      await Promise.race([closing, new Promise((r) => setTimeout(r, 2000))]);
    },
  };
  setLocalGateway(gateway);
  return gateway;
}

/**
 * The CA file and the revocation list are read at each login (a change needs no restart),
 * but a wrong one is an operator's mistake best said at start: then every certificate, or
 * every key, would be refused with nothing but a log line to say why.
 */
async function checkCredentialSettings(config: Config, anyPublicKey: string): Promise<void> {
  if (config.gatewayTrustedUserCaKeys) {
    const cas = await readTrustedCas(config.gatewayTrustedUserCaKeys);
    if (cas.size === 0)
      throw invalidConfig(
        `KEYWARDEN_GATEWAY_TRUSTED_USER_CA_KEYS=${config.gatewayTrustedUserCaKeys}: the file holds no CA key`,
      );
  }
  if (config.gatewayRevokedKeys) {
    const r = await krlCheck(config.gatewayRevokedKeys, anyPublicKey);
    if (typeof r === 'object')
      throw invalidConfig(
        `KEYWARDEN_GATEWAY_REVOKED_KEYS=${config.gatewayRevokedKeys}: not a readable OpenSSH key revocation list (ssh-keygen -k): ${r.error}`,
      );
  }
}
