/**
 * The gateway's SSH endpoint (an ssh2 server). A person authenticates with their own key:
 * a key of exactly one active person in the directory records (synced, or given through
 * the API); any other key is refused at authentication. The user name names the target
 * (`account@host`, target-name.ts). Only a shell (with or without a pty) is served, and a
 * command when policy allows exec; every other request (port forwarding either way, agent
 * and X11 forwarding, sftp and other subsystems, Unix sockets) is refused and recorded as
 * an event of the session, so nothing can pass beside the recording.
 */
import ssh2, { type Connection, type Server, type ServerChannel, type Session } from 'ssh2';
import { parsePublicKeyBlob } from '../../shared/ssh/public-key';
import type { PersonRecord } from '../store/directory-records';
import { newId } from '../store/ids';
import type { LiveSession, SessionDeps } from './gateway-session';
import { startGatewaySession } from './gateway-session';
import { sendAuthBanner } from './auth-banner';
import type { CertificateSummary } from './certificate-login';
import {
  credentialSignatureValid,
  judgeCredential,
  type PersonCredential,
} from './person-credential';
import { clientAddress } from './source-address';

export interface GatewayServerDeps extends SessionDeps {
  hostKey: string;
  /** Registers a running session with the gateway (heartbeat, terminate) until it ends. */
  track(session: LiveSession): void;
}

// ssh2 is CommonJS: under plain Node ESM only its default export is reliable.
const { Server: SshServer } = ssh2;

type Pending = { type: string; details: Record<string, unknown> };

export function createGatewayServer(deps: GatewayServerDeps): Server {
  return new SshServer(
    { hostKeys: [deps.hostKey], ident: 'Keywarden_Gateway' },
    (client: Connection, info) => {
      let person: PersonRecord | null = null;
      let fingerprint = '';
      let user = '';
      let lastSessionId: string | null = null;
      const pending: Pending[] = [];
      const recordEvent = (type: string, details: Record<string, unknown>) => {
        if (!lastSessionId) {
          pending.push({ type, details });
          return;
        }
        addEvent(lastSessionId, type, details);
      };
      const addEvent = (sessionId: string, type: string, details: Record<string, unknown>) => {
        const at = Date.now();
        deps.store.sessions
          .addEvent({ id: newId(at), sessionId, at, type, details })
          .catch((err: unknown) => deps.log.warn({ err, sessionId, type }, 'session event lost'));
      };

      const address = clientAddress(info.ip);
      // The client asks "would this key do?" and then sends it signed: judged once for both.
      const judged = new Map<string, Promise<PersonCredential>>();
      const told = new Set<string>();
      let certificate: CertificateSummary | null = null;
      client.on('authentication', (ctx) => {
        if (ctx.method !== 'publickey') return ctx.reject(['publickey']);
        const parsed = parsePublicKeyBlob(ctx.key.data);
        if (!parsed.ok) return ctx.reject(['publickey']);
        const key = parsed.key;
        let verdict = judged.get(key.base64);
        if (!verdict) {
          verdict = judgeCredential(deps, key, address, Date.now());
          if (judged.size < 16) judged.set(key.base64, verdict);
        }
        void verdict.then(
          (c) => {
            if (!c.ok) {
              deps.log.info({ from: address, reason: c.reason }, 'gateway: key refused');
              if (c.tell && !told.has(c.reason)) {
                told.add(c.reason);
                sendAuthBanner(client, `keywarden: ${c.reason}`);
              }
              return ctx.reject(['publickey']);
            }
            if (!ctx.signature || !ctx.blob) return ctx.accept();
            if (!credentialSignatureValid(key, ctx.blob, ctx.signature, ctx.hashAlgo))
              return ctx.reject(['publickey']);
            person = c.person;
            fingerprint = c.fingerprint;
            user = ctx.username;
            certificate = c.certificate;
            ctx.accept();
          },
          (err: unknown) => {
            deps.log.error({ err }, 'gateway: could not look up the key owner');
            ctx.reject(['publickey']);
          },
        );
      });

      client.on('ready', () => {
        client.on('session', (accept) => {
          const session: Session = accept();
          let pty = { cols: 80, rows: 24, term: 'xterm-256color' };
          let live: LiveSession | null = null;
          const refuse = (type: string, reject: (() => void) | undefined, details = {}) => {
            recordEvent(`refused:${type}`, details);
            reject?.();
          };
          session.on('pty', (acceptPty, _reject, p) => {
            pty = { cols: p.cols || 80, rows: p.rows || 24, term: p.term || 'xterm-256color' };
            acceptPty?.();
          });
          session.on('window-change', (acceptResize, _reject, w) => {
            live?.resize(w.cols, w.rows);
            acceptResize?.();
          });
          session.on('env', (_a, reject) => reject?.());
          session.on('x11', (_a, reject) => refuse('x11', reject));
          session.on('auth-agent', (_a, reject) => refuse('auth-agent', reject));
          session.on('subsystem', (_a, reject, i) => refuse('subsystem', reject, { name: i.name }));
          session.on('sftp', (_a, reject) => refuse('subsystem', reject, { name: 'sftp' }));
          const begin = (stream: ServerChannel, kind: 'shell' | 'exec', command: string | null) => {
            if (!person) return stream.exit(1);
            live = startGatewaySession(
              deps,
              {
                person,
                personFingerprint: fingerprint,
                fromAddress: address,
                target: user,
                kind,
                command,
                pty,
              },
              {
                write: (d) => stream.write(d),
                writeStderr: (t) => stream.stderr.write(t),
                onData: (fn) => stream.on('data', fn),
                onClose: (fn) => stream.on('close', fn),
                exit: (code) => {
                  stream.exit(code);
                  stream.end();
                },
              },
              addEvent,
            );
            lastSessionId = live.id;
            // Which certificate opened it (key id, serial, CA): the person alone is not the audit.
            if (certificate) addEvent(live.id, 'certificate', { ...certificate });
            for (const e of pending.splice(0)) addEvent(live.id, e.type, e.details);
            deps.track(live);
          };
          session.on('shell', (acceptShell) => begin(acceptShell(), 'shell', null));
          session.on('exec', (acceptExec, reject, i) => {
            if (!deps.config.gatewayAllowExec) {
              refuse('exec', undefined, { command: i.command.slice(0, 200) });
              // Accepted only to say why, then closed: a bare reject tells the person nothing.
              const stream = acceptExec();
              stream.stderr.write(
                'keywarden: commands are not allowed through the gateway (KEYWARDEN_GATEWAY_ALLOW_EXEC): open a shell\r\n',
              );
              stream.exit(1);
              stream.end();
              void reject;
              return;
            }
            begin(acceptExec(), 'exec', i.command);
          });
        });
      });

      client.on('tcpip', (_accept, reject, i) =>
        recordEventAnd(reject, 'refused:direct-tcpip', {
          destination: `${i.destIP}:${i.destPort}`,
          origin: `${i.srcIP}:${i.srcPort}`,
        }),
      );
      client.on('openssh.streamlocal', (_accept, reject, i) =>
        recordEventAnd(reject, 'refused:direct-streamlocal', { socketPath: i.socketPath }),
      );
      client.on('request', (_accept, reject, name, i) =>
        recordEventAnd(reject, `refused:${name}`, { ...i }),
      );
      client.on('error', (err) => deps.log.debug({ err }, 'gateway connection error'));
      client.on('close', () => {
        // Refused requests of a connection that never opened a session are kept all the same.
        if (!lastSessionId && pending.length && person) void recordOrphanEvents();
      });

      function recordEventAnd(
        reject: (() => void) | undefined,
        type: string,
        details: Record<string, unknown>,
      ) {
        recordEvent(type, details);
        reject?.();
      }

      async function recordOrphanEvents() {
        const p = person as PersonRecord;
        const now = Date.now();
        const id = newId(now);
        try {
          await deps.store.sessions.create({
            id,
            personId: p.id,
            personUid: p.uid,
            personFingerprint: fingerprint,
            hostId: '',
            target: user,
            account: '',
            fromAddress: address,
            controllerId: deps.controllerId,
            kind: 'shell',
            command: null,
            state: 'failed',
            reason: 'the connection asked for no shell, only for what the gateway refuses',
            authorizationId: null,
            ephemeralFingerprint: null,
            startedAt: now,
            connectedAt: null,
            endedAt: now,
            lastSeenAt: now,
            bytesOut: 0,
            bytesIn: 0,
            recordingPath: null,
            inputPath: null,
            recordingTruncated: false,
            terminateRequestedAt: null,
            terminateRequestedBy: null,
            exitCode: null,
          });
          const refused = pending.splice(0);
          for (const e of refused) addEvent(id, e.type, e.details);
          await deps.store.audit.append({
            at: now,
            actor: `person:${p.uid}`,
            action: 'session.refused',
            subject: id,
            details: { target: user, from: address, refused: refused.map((e) => e.type) },
          });
        } catch (err) {
          deps.log.warn({ err }, 'could not record refused gateway requests');
        }
      }
    },
  );
}
