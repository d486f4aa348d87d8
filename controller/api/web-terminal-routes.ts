/**
 * GET /api/v1/sessions/terminal (a WebSocket): the console's web terminal. It is a second way
 * into the gateway's sessions, not a copy of them: the socket becomes the person's side of
 * the same session the SSH endpoint opens (SessionGateway.openSession), so the access
 * decision, the ephemeral key, the recording, the heartbeat, the finalizers and the audit
 * are the same code.
 *
 * Who: the console's own API token, offered as a WebSocket subprotocol (a browser cannot set
 * an Authorization header on a WebSocket, and a token in the URL would end up in logs), and
 * the person that token is linked to (`POST /api/v1/tokens {personId}`). The upgrade is
 * refused unless its Origin is this server's own (another site's page cannot open it with a
 * token it has taken), and every message is bounded in size and rate.
 */
import fastifyWebsocket from '@fastify/websocket';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { forbidden } from '../../shared/errors';
import type { ControllerServices } from '../controller-services';
import type { LiveSession, PersonChannel } from '../gateway/gateway-session';
import { caller, type RequireRole } from './auth';
import { parseTerminalMessage, TerminalRate, terminalSize } from './web-terminal-messages';

export const TERMINAL_PATH = '/api/v1/sessions/terminal';
/** The subprotocol the console speaks; the one the server answers with. */
export const TERMINAL_PROTOCOL = 'keywarden.terminal.v1';
/** The console's token rides as a second subprotocol `keywarden.bearer.<token>`. */
export const BEARER_PROTOCOL_PREFIX = 'keywarden.bearer.';
/** A paste of a page of text fits; anything larger is refused by ws (close 1009). */
export const MAX_MESSAGE_BYTES = 64 * 1024;
/** Output the browser has not taken yet; past it the session ends rather than grow memory. */
const MAX_UNSENT_BYTES = 16 * 1024 * 1024;

const hostOf = (url: string): string | null => {
  try {
    return new URL(url).host;
  } catch {
    return null;
  }
};

/**
 * Refuses an upgrade whose Origin is not this server (cross-site WebSocket hijacking). A
 * plain GET opens nothing (the route answers only upgrades), so only upgrades are checked.
 */
async function sameOriginOnly(req: FastifyRequest, _reply: FastifyReply): Promise<void> {
  if (String(req.headers.upgrade ?? '').toLowerCase() !== 'websocket') return;
  const origin = req.headers.origin;
  if (!origin || hostOf(origin) !== req.headers.host)
    throw forbidden(
      `the web terminal opens only from this server's own console: Origin ${JSON.stringify(origin ?? null)} is not ${req.headers.host ?? 'this host'}`,
      { details: { field: 'origin', value: origin ?? null } },
    );
}

/** The token from the subprotocol list becomes the Authorization header the auth hook reads. */
async function tokenFromSubprotocol(req: FastifyRequest, _reply: FastifyReply): Promise<void> {
  if (req.headers.authorization) return;
  const offered = String(req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim());
  const bearer = offered.find((p) => p.startsWith(BEARER_PROTOCOL_PREFIX));
  if (bearer) req.headers.authorization = `Bearer ${bearer.slice(BEARER_PROTOCOL_PREFIX.length)}`;
}

export async function registerWebTerminalRoutes(
  app: FastifyInstance,
  s: ControllerServices,
  auth: RequireRole,
): Promise<void> {
  await app.register(fastifyWebsocket, {
    options: {
      maxPayload: MAX_MESSAGE_BYTES,
      // Never echo the token back: only the terminal protocol is chosen.
      handleProtocols: (protocols) =>
        protocols.has(TERMINAL_PROTOCOL) ? TERMINAL_PROTOCOL : false,
    },
  });
  app.get(
    TERMINAL_PATH,
    {
      websocket: true,
      onRequest: [sameOriginOnly, tokenFromSubprotocol, auth('auditor')],
      schema: { hide: true },
    },
    (socket, req) =>
      void serveTerminal(s, socket, req).catch((err: unknown) => {
        req.log.error({ err }, 'the web terminal failed');
        socket.close(1011, 'internal error');
      }),
  );
}

async function serveTerminal(s: ControllerServices, socket: WebSocket, req: FastifyRequest) {
  const principal = caller(req);
  const query = req.query as Record<string, string | undefined>;
  const send = (msg: Record<string, unknown>) => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(msg));
  };
  const refuse = (text: string) => {
    send({ type: 'output', data: `keywarden: ${text}\r\n` });
    send({ type: 'exit', code: 1 });
    socket.close(1000, 'refused');
  };
  let pty = terminalSize(query.cols, query.rows, { cols: 80, rows: 24 });
  let live: LiveSession | null = null;
  let ended = false;
  let onInput: ((data: Buffer) => void) | null = null;
  const early: Buffer[] = [];
  const rate = new TerminalRate();

  const stop = (reason: string) => {
    if (ended) return;
    ended = true;
    if (live) void live.terminate('web-terminal', reason);
    else refuse(reason);
  };
  socket.on('message', (raw: Buffer, isBinary: boolean) => {
    if (ended) return;
    const over = rate.count(raw.length);
    if (over) return stop(over);
    const msg = parseTerminalMessage(raw, isBinary);
    if (!msg.ok) return stop(msg.reason);
    if (msg.type === 'resize') {
      pty = { cols: msg.cols, rows: msg.rows };
      live?.resize(msg.cols, msg.rows);
      return;
    }
    const data = Buffer.from(msg.data, 'utf8');
    if (onInput) onInput(data);
    else early.push(data);
  });

  const host = (query.host ?? '').trim();
  const account = (query.account ?? '').trim();
  if (!host || !account) return refuse('name the host and the account to open a session to');
  const gateway = s.sessionGateway;
  if (!gateway)
    return refuse(
      'the session gateway is off on this controller (KEYWARDEN_GATEWAY_ADDR): no session can be opened',
    );
  const token = await s.store.tokens.get(principal.tokenId);
  const person = token?.personId ? await s.store.directory.getPerson(token.personId) : null;
  if (!person) {
    const reason = token?.personId
      ? `token ${principal.name} is linked to person ${token.personId}, who is not in the directory records`
      : `token ${principal.name} is not linked to a person, so the web terminal cannot open a session as anyone: an admin creates a token for the person (keywarden tokens create NAME --role auditor --person PERSON-ID)`;
    await s.store.audit.append({
      at: Date.now(),
      actor: principal.actor,
      action: 'session.refused',
      subject: `${account}@${host}`,
      details: { reason, via: { entry: 'web-terminal', token: principal.actor } },
    });
    return refuse(reason);
  }
  if (socket.readyState !== socket.OPEN) return;

  const channel: PersonChannel = {
    write: (d) => {
      send({ type: 'output', data: typeof d === 'string' ? d : d.toString('utf8') });
      if (socket.bufferedAmount > MAX_UNSENT_BYTES)
        stop(
          `the browser did not keep up with the output (${MAX_UNSENT_BYTES / 1024 / 1024} MiB waiting): the session was ended`,
        );
    },
    writeStderr: (t) => send({ type: 'output', data: t }),
    onData: (fn) => {
      onInput = fn;
      for (const d of early.splice(0)) fn(d);
    },
    onClose: (fn) => socket.on('close', fn),
    exit: (code) => {
      ended = true;
      send({ type: 'exit', code });
      socket.close(1000, 'session ended');
    },
  };
  live = gateway.openSession(
    {
      person,
      personFingerprint: '',
      fromAddress: req.ip,
      target: `${account}@${host}`,
      kind: 'shell',
      command: null,
      pty: { ...pty, term: 'xterm-256color' },
      via: { entry: 'web-terminal', token: principal.actor },
    },
    channel,
  );
  send({ type: 'session', id: live.id });
}
