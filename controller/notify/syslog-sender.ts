/**
 * Sends RFC 5424 syslog messages to udp://HOST:PORT (one datagram each),
 * tcp://HOST:PORT (RFC 6587 octet counting) or unix:///PATH (a stream socket,
 * newline-terminated, as syslog-ng's unix-stream() reads). Each message opens its own
 * stream connection: robot changes are rare and a dropped receiver must not wedge later
 * sends. Delivery is best effort; the audit log in the store is the record of truth.
 */
import { createSocket } from 'node:dgram';
import { connect, isIPv6 } from 'node:net';
import { hostname as osHostname } from 'node:os';

export type SyslogTarget =
  | { transport: 'udp'; host: string; port: number }
  | { transport: 'tcp'; host: string; port: number }
  | { transport: 'unix'; path: string };

export interface SyslogMessage {
  /** RFC 5424 MSGID, e.g. "robot.update". */
  msgId: string;
  /** Parameters of the `keywarden@32473` structured element. */
  data: Record<string, string>;
  message: string;
  /** 0 emergency .. 7 debug; default 5 (notice). */
  severity?: number;
  at?: number;
}

/** Facility 13 is "log audit": these messages record who changed what. */
const FACILITY = 13;
/** 32473 is the private enterprise number RFC 5612 reserves for documentation and examples. */
const SD_ID = 'keywarden@32473';
const TIMEOUT_MS = 3000;

export function parseSyslogTarget(url: string): SyslogTarget {
  const unix = /^unix:\/\/(\/.+)$/.exec(url);
  if (unix?.[1]) return { transport: 'unix', path: unix[1] };
  const net = /^(udp|tcp):\/\/\[?([^\]/]+?)\]?:(\d+)$/.exec(url);
  if (!net?.[1] || !net[2]) throw new Error(`not a syslog target: ${url}`);
  const transport = net[1] === 'tcp' ? 'tcp' : 'udp';
  return { transport, host: net[2], port: Number(net[3]) };
}

/** PRINTUSASCII without the characters a header field or SD-NAME may not hold. */
const headerField = (v: string, max: number) =>
  v.replace(/[^\x21-\x7e]/g, '_').slice(0, max) || '-';
const sdName = (v: string) => v.replace(/[^\x21-\x7e]|[= \]"]/g, '_').slice(0, 32);
const sdValue = (v: string) => v.replace(/[\\"\]]/g, (c) => `\\${c}`);

export function formatRfc5424(
  m: SyslogMessage,
  origin: { hostname: string; appName: string; procId: string },
): string {
  const pri = FACILITY * 8 + (m.severity ?? 5);
  const params = Object.entries(m.data)
    .map(([k, v]) => ` ${sdName(k)}="${sdValue(v)}"`)
    .join('');
  return [
    `<${pri}>1`,
    new Date(m.at ?? Date.now()).toISOString(),
    headerField(origin.hostname, 255),
    headerField(origin.appName, 48),
    headerField(origin.procId, 128),
    headerField(m.msgId, 32),
    `[${SD_ID}${params}]`,
    // RFC 5424 6.4: a UTF-8 MSG starts with the byte order mark.
    `\ufeff${m.message}`,
  ].join(' ');
}

export class SyslogSender {
  private readonly target: SyslogTarget;
  private readonly origin = {
    hostname: osHostname(),
    appName: 'keywarden',
    procId: String(process.pid),
  };

  constructor(url: string) {
    this.target = parseSyslogTarget(url);
  }

  async send(m: SyslogMessage): Promise<void> {
    const line = formatRfc5424(m, this.origin);
    const t = this.target;
    if (t.transport === 'udp') return sendDatagram(t.host, t.port, Buffer.from(line, 'utf8'));
    const body = Buffer.from(line, 'utf8');
    if (t.transport === 'tcp')
      return sendStream(
        { host: t.host, port: t.port },
        Buffer.concat([Buffer.from(`${body.length} `), body]),
      );
    return sendStream({ path: t.path }, Buffer.concat([body, Buffer.from('\n')]));
  }
}

function sendDatagram(host: string, port: number, msg: Buffer): Promise<void> {
  const socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
  return new Promise((resolve, reject) => {
    socket.send(msg, port, host, (err) => {
      socket.close();
      if (err) reject(err);
      else resolve();
    });
  });
}

function sendStream(
  where: { host: string; port: number } | { path: string },
  frame: Buffer,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(where);
    socket.setTimeout(TIMEOUT_MS, () =>
      socket.destroy(new Error(`syslog receiver did not answer in ${TIMEOUT_MS} ms`)),
    );
    socket.once('error', reject);
    socket.once('connect', () => socket.end(frame));
    socket.once('close', (hadError) => {
      if (!hadError) resolve();
    });
  });
}
