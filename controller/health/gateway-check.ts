/**
 * Does the agent gateway answer? A real TLS connection to its agent port, as an agent
 * makes one: the server certificate must chain to the agent CA, carry the name agents
 * dial and be in date, and the handshake must finish within the timeout. The gateway asks
 * for a client certificate but does not require one at the handshake, so none is sent.
 */
import { isIP } from 'node:net';
import { checkServerIdentity, connect } from 'node:tls';

export type GatewayCheck =
  { ok: true; handshakeMs: number; certificateNotAfter: number } | { ok: false; error: string };

export function checkGateway(
  target: { host: string; port: number; name: string; caPem: string },
  timeoutMs: number,
): Promise<GatewayCheck> {
  const started = process.hrtime.bigint();
  return new Promise((resolve) => {
    let settled = false;
    const done = (r: GatewayCheck) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const socket = connect({
      host: target.host,
      port: target.port,
      ca: target.caPem,
      ALPNProtocols: ['h2'],
      ...(isIP(target.name) ? {} : { servername: target.name }),
      checkServerIdentity: (_host, cert) => checkServerIdentity(target.name, cert),
    });
    const timer = setTimeout(
      () => done({ ok: false, error: `no TLS handshake within ${timeoutMs} ms` }),
      timeoutMs,
    );
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate();
      done({
        ok: true,
        handshakeMs: Number(process.hrtime.bigint() - started) / 1e6,
        certificateNotAfter: Date.parse(cert.valid_to),
      });
    });
    socket.once('error', (e) => done({ ok: false, error: e.message }));
    socket.once('close', () =>
      done({ ok: false, error: 'connection closed before the TLS handshake ended' }),
    );
  });
}
