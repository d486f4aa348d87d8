/** The RFC 5424 sender against real TCP and unix-socket listeners (UDP: robots-api.test.ts). */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SyslogSender, parseSyslogTarget } from '../../../controller/notify/syslog-sender';

function listen(server: Server, where: number | string): Promise<void> {
  return new Promise((resolve) =>
    typeof where === 'number'
      ? server.listen(where, '127.0.0.1', resolve)
      : server.listen(where, resolve),
  );
}

function collect(server: Server): Promise<Buffer> {
  return new Promise((resolve) =>
    server.once('connection', (socket) => {
      const chunks: Buffer[] = [];
      socket.on('data', (d: Buffer) => chunks.push(d));
      socket.on('end', () => resolve(Buffer.concat(chunks)));
    }),
  );
}

const message = {
  msgId: 'robot.update',
  at: Date.UTC(2030, 0, 2, 3, 4, 5, 6),
  data: { actor: 'token:ops#1', changes: '{"a":"x]y\\\\"}' },
  message: 'robot r changed: instances 1 -> 2 (ünïcode)',
};

describe('syslog sender', () => {
  const servers: Server[] = [];
  const dirs: string[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('frames TCP messages by octet count (RFC 6587) and escapes structured data', async () => {
    const server = createServer();
    servers.push(server);
    await listen(server, 0);
    const port = (server.address() as { port: number }).port;
    const got = collect(server);
    await new SyslogSender(`tcp://127.0.0.1:${port}`).send(message);
    const frame = await got;
    const space = frame.indexOf(0x20);
    const length = Number(frame.subarray(0, space).toString());
    const body = frame.subarray(space + 1);
    expect(body.length).toBe(length);
    const text = body.toString('utf8');
    expect(text).toMatch(/^<109>1 2030-01-02T03:04:05\.006Z \S+ keywarden \d+ robot\.update /);
    expect(text).toContain(
      '[keywarden@32473 actor="token:ops#1" changes="{\\"a\\":\\"x\\]y\\\\\\\\\\"}"]',
    );
    expect(text.endsWith('\ufeffrobot r changed: instances 1 -> 2 (ünïcode)')).toBe(true);
  });

  it('writes newline-terminated messages to a unix stream socket', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kw-syslog-'));
    dirs.push(dir);
    const sock = path.join(dir, 'log.sock');
    const server = createServer();
    servers.push(server);
    await listen(server, sock);
    const got = collect(server);
    await new SyslogSender(`unix://${sock}`).send(message);
    const text = (await got).toString('utf8');
    expect(text).toMatch(/^<109>1 .* robot\.update \[keywarden@32473 .*\n$/);
    expect(text.split('\n')).toHaveLength(2);
  });

  it('fails when nobody listens, and parses the three kinds of target', async () => {
    await expect(new SyslogSender('tcp://127.0.0.1:1').send(message)).rejects.toThrow();
    expect(parseSyslogTarget('udp://[::1]:514')).toEqual({
      transport: 'udp',
      host: '::1',
      port: 514,
    });
    expect(parseSyslogTarget('unix:///dev/log')).toEqual({ transport: 'unix', path: '/dev/log' });
    expect(() => parseSyslogTarget('http://x:1')).toThrow();
  });
});
