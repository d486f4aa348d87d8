/**
 * RFC 5424 messages over one long-lived TCP (RFC 6587 octet counting) or TLS (RFC 5425)
 * connection. Syslog has no acknowledgement, so a batch counts as delivered when its
 * write has flushed to the socket AND the connection is still open a settle time later
 * (twice the connect round trip, at least 50 ms): a receiver that had already closed
 * answers the write with FIN or RST within that time, and the batch is sent again on a
 * new connection. A receiver that read a batch and then closed may get it twice; the
 * event id in every message lets it drop the copy (at least once, never silently lost
 * while the receiver closes cleanly; docs/siem-export.md).
 */
import { readFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { connect as tlsConnect } from 'node:tls';
import { formatRfc5424 } from '../notify/syslog-sender';
import type { ExportMessage, ExportSink } from './export-sink';

export interface StreamTarget {
  transport: 'tcp' | 'tls';
  host: string;
  port: number;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  serverName?: string;
}

const CONNECT_TIMEOUT_MS = 5000;
const origin = { hostname: hostname(), appName: 'keywarden', procId: String(process.pid) };

export function syslogLine(m: ExportMessage): string {
  return formatRfc5424(
    { msgId: m.kind, data: { eventId: m.id }, message: m.text, severity: m.severity, at: m.at },
    origin,
  );
}

export class SyslogStreamSink implements ExportSink {
  private socket: Socket | null = null;
  private broken = true;
  private settleMs = 50;

  constructor(private readonly target: StreamTarget) {}

  async send(batch: ExportMessage[]): Promise<void> {
    const socket = await this.connected();
    const frames = Buffer.concat(
      batch.map((m) => {
        const body = Buffer.from(syslogLine(m), 'utf8');
        return Buffer.concat([Buffer.from(`${body.length} `), body]);
      }),
    );
    await new Promise<void>((resolve, reject) =>
      socket.write(frames, (err) => (err ? reject(err) : resolve())),
    );
    await new Promise((r) => setTimeout(r, this.settleMs));
    if (this.broken) {
      this.drop();
      throw new Error('the syslog receiver closed the connection: the batch is sent again');
    }
  }

  async close(): Promise<void> {
    const s = this.socket;
    this.socket = null;
    this.broken = true;
    if (!s || s.destroyed) return;
    // Everything written has been acknowledged already: end politely, but never wait long.
    await new Promise<void>((r) => {
      const timer = setTimeout(r, 1000);
      s.end(() => {
        clearTimeout(timer);
        r();
      });
    });
    s.destroy();
  }

  private drop(): void {
    this.socket?.destroy();
    this.socket = null;
    this.broken = true;
  }

  private async connected(): Promise<Socket> {
    if (this.socket && !this.broken) return this.socket;
    this.drop();
    const t = this.target;
    const started = Date.now();
    const socket =
      t.transport === 'tls'
        ? tlsConnect({
            host: t.host,
            port: t.port,
            servername: t.serverName ?? t.host,
            ...(t.caFile ? { ca: readFileSync(t.caFile) } : {}),
            ...(t.certFile ? { cert: readFileSync(t.certFile) } : {}),
            ...(t.keyFile ? { key: readFileSync(t.keyFile) } : {}),
          })
        : netConnect({ host: t.host, port: t.port });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(
          new Error(
            `syslog receiver ${t.host}:${t.port} did not answer in ${CONNECT_TIMEOUT_MS} ms`,
          ),
        );
      }, CONNECT_TIMEOUT_MS);
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      socket.once(t.transport === 'tls' ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.settleMs = Math.min(2000, Math.max(50, 2 * (Date.now() - started)));
    const mark = () => {
      this.broken = true;
    };
    socket.on('error', mark);
    socket.on('end', mark);
    socket.on('close', mark);
    // Whatever the receiver says is not read (syslog has no replies), but must be drained.
    socket.resume();
    this.socket = socket;
    this.broken = false;
    return socket;
  }
}
