/**
 * RFC 5424 messages over UDP, one datagram each. UDP has no delivery at all: a batch is
 * "acknowledged" once handed to the kernel, so a receiver that is down loses what is sent
 * meanwhile (at most once). Use TCP, TLS, a file or HTTP where every event must arrive.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { ExportMessage, ExportSink } from './export-sink';
import { syslogLine } from './syslog-stream-sink';

export class DatagramSink implements ExportSink {
  private readonly socket: Socket;

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {
    this.socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
  }

  async send(batch: ExportMessage[]): Promise<void> {
    for (const m of batch) {
      const line = Buffer.from(syslogLine(m), 'utf8');
      await new Promise<void>((resolve, reject) =>
        this.socket.send(line, this.port, this.host, (err) => (err ? reject(err) : resolve())),
      );
    }
  }

  async close(): Promise<void> {
    await new Promise<void>((r) => this.socket.close(() => r()));
  }
}
