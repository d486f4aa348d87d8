/**
 * A real RFC 5425/6587 syslog receiver for tests: TCP or TLS, octet-counted frames, every
 * message kept with the event id of its structured data. It can be stopped (connections
 * cut, as a receiver that goes down) and started again on the same port.
 */
import { createServer as netServer, type Server, type Socket } from 'node:net';
import { createServer as tlsServer } from 'node:tls';

export interface ReceivedMessage {
  eventId: string;
  line: string;
}

export interface SyslogListener {
  port: number;
  received: ReceivedMessage[];
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function syslogListener(opts: { tls?: { cert: Buffer; key: Buffer } }): SyslogListener {
  let server: Server | null = null;
  const sockets = new Set<Socket>();
  const received: ReceivedMessage[] = [];
  const onSocket = (socket: Socket) => {
    if (!server) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    let buf = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const space = buf.indexOf(0x20);
        if (space < 0) return;
        const len = Number(buf.subarray(0, space).toString());
        if (buf.length < space + 1 + len) return;
        const line = buf.subarray(space + 1, space + 1 + len).toString('utf8');
        buf = buf.subarray(space + 1 + len);
        const id = /eventId="([^"]+)"/.exec(line)?.[1] ?? '';
        received.push({ eventId: id, line });
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  };
  const l: SyslogListener = {
    port: 0,
    received,
    start: async () => {
      server = opts.tls ? tlsServer({ ...opts.tls }, onSocket) : netServer(onSocket);
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(l.port, '127.0.0.1', () => resolve());
      });
      const addr = server.address();
      if (addr && typeof addr === 'object') l.port = addr.port;
    },
    stop: async () => {
      const s = server;
      server = null;
      if (!s) return;
      // Down hard, as a crashed receiver: no new connection, the open ones cut, unread data lost.
      const closed = new Promise<void>((r) => s.close(() => r()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
  return l;
}
