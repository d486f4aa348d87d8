/**
 * The gateway check against real sockets: a TLS server with a certificate from the agent CA
 * answers; a listener that accepts and never speaks TLS (a hung gateway, another program on
 * the port) times out; a server whose certificate another CA issued, or that lacks the name
 * agents dial, is refused; a closed port is refused.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  issueServerCertificate,
  loadOrCreateCa,
  type CertificateAuthority,
} from '../../../controller/agents/certificate-authority';
import { checkGateway } from '../../../controller/health/gateway-check';

const listen = async (s: Server): Promise<number> => {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const a = s.address();
  if (!a || typeof a === 'string') throw new Error('no port');
  return a.port;
};

describe('checkGateway', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-gwcheck-'));
  let ca: CertificateAuthority;
  let other: CertificateAuthority;
  const servers: Server[] = [];
  const sockets: Socket[] = [];
  /** Every accepted socket, so the servers can be closed without waiting for peers. */
  const track = (s: Server) => {
    s.on('connection', (c: Socket) => sockets.push(c));
    servers.push(s);
  };
  beforeAll(async () => {
    ca = await loadOrCreateCa(path.join(dir, 'ca'));
    other = await loadOrCreateCa(path.join(dir, 'other'));
  });
  afterAll(async () => {
    for (const s of servers) s.close();
    for (const c of sockets) c.destroy();
    rmSync(dir, { recursive: true, force: true });
  });
  const tlsServer = async (issuer: CertificateAuthority, names: string[]) => {
    const cert = await issueServerCertificate(issuer, names);
    const s = createTlsServer(
      { cert: cert.certPem, key: cert.keyPem, ALPNProtocols: ['h2'] },
      (c) => c.end(),
    );
    track(s);
    return listen(s);
  };

  it('answers for a server whose certificate the agent CA issued for the name agents dial', async () => {
    const port = await tlsServer(ca, ['kw.example.test', '127.0.0.1']);
    const r = await checkGateway(
      { host: '127.0.0.1', port, name: 'kw.example.test', caPem: ca.certPem },
      5000,
    );
    expect(r).toMatchObject({ ok: true });
    if (r.ok) expect(r.certificateNotAfter).toBeGreaterThan(Date.now());
  });

  it('times out on a listener that never completes a TLS handshake', async () => {
    const hung = createTcpServer(() => undefined);
    track(hung);
    const port = await listen(hung);
    expect(
      await checkGateway({ host: '127.0.0.1', port, name: 'localhost', caPem: ca.certPem }, 300),
    ).toEqual({ ok: false, error: 'no TLS handshake within 300 ms' });
  });

  it('refuses a certificate from another CA, or without the name agents dial', async () => {
    const foreign = await tlsServer(other, ['kw.example.test']);
    const bad = await checkGateway(
      { host: '127.0.0.1', port: foreign, name: 'kw.example.test', caPem: ca.certPem },
      5000,
    );
    expect(bad).toMatchObject({
      ok: false,
      error: expect.stringMatching(/certificate/i) as string,
    });
    const unnamed = await tlsServer(ca, ['other.example.test']);
    const wrong = await checkGateway(
      { host: '127.0.0.1', port: unnamed, name: 'kw.example.test', caPem: ca.certPem },
      5000,
    );
    expect(wrong).toMatchObject({
      ok: false,
      error: expect.stringMatching(/kw\.example\.test/) as string,
    });
  });

  it('is refused on a closed port', async () => {
    const s = createTcpServer();
    const port = await listen(s);
    await new Promise((r) => s.close(r));
    expect(
      await checkGateway({ host: '127.0.0.1', port, name: 'localhost', caPem: ca.certPem }, 5000),
    ).toMatchObject({ ok: false, error: expect.stringMatching(/ECONNREFUSED/) as string });
  });
});
