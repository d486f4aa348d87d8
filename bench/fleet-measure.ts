/**
 * Where a fleet connection's time goes, outside the controller's own code: issuing an
 * agent certificate (what the simulator used to do per agent), and a mutual-TLS
 * handshake with the gateway's kind of keys (ECDSA P-256), with the CPU of the server
 * side and of the client side measured in separate processes; then the same handshake
 * resumed from a session ticket, and a full one with an RSA-2048 server certificate.
 * `npx tsx bench/fleet-measure.ts [handshakes]` prints one JSON line.
 */
import { execFileSync, fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tls from 'node:tls';
import {
  issueAgentCertificate,
  issueServerCertificate,
  loadOrCreateCa,
} from '../controller/agents/certificate-authority';
import { createCsr, generateKeyPair, privateKeyToPem } from '../shared/proto/pem-keys';

const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

async function client(): Promise<void> {
  const [, , , port, n, caPem, certPem, keyPem, mode] = process.argv;
  const cpu0 = process.cpuUsage();
  const t0 = Date.now();
  let session: Buffer | undefined;
  let reused = 0;
  for (let i = 0; i < Number(n); i++) {
    await new Promise<void>((resolve, reject) => {
      const s = tls.connect({
        host: '127.0.0.1',
        port: Number(port),
        ca: caPem,
        cert: certPem,
        key: keyPem,
        servername: 'localhost',
        ALPNProtocols: ['h2'],
        // The server certificate of the RSA variant is self-signed, not from the CA.
        rejectUnauthorized: mode !== 'rsa',
        ...(mode === 'resume' && session ? { session } : {}),
      });
      // TLS 1.3 sends its tickets after the handshake: the resume mode waits for one.
      s.once('session', (t: Buffer) => {
        session = t;
        if (mode === 'resume') s.end();
      });
      s.once('secureConnect', () => {
        if (s.isSessionReused()) reused++;
        if (mode !== 'resume') s.end();
      });
      s.once('close', () => resolve());
      s.once('error', reject);
    });
  }
  process.send?.({ wallMs: Date.now() - t0, cpuMs: cpuMs(process.cpuUsage(cpu0)), reused });
  process.exit(0);
}

async function main(): Promise<void> {
  const handshakes = Number(process.argv[2] ?? 500);
  const dir = mkdtempSync(path.join(tmpdir(), 'kw-fleet-measure-'));
  const ca = await loadOrCreateCa(dir);
  const server = await issueServerCertificate(ca, ['localhost', '127.0.0.1']);

  // 1. Issuing one agent certificate (key pair reused, as the old simulator did).
  const keys = await generateKeyPair();
  const keyPem = await privateKeyToPem(keys.privateKey);
  const certs = 200;
  let t = performance.now();
  let agentCert = '';
  for (let i = 0; i < certs; i++)
    agentCert = (
      await issueAgentCertificate(ca, await createCsr(keys, 'sim'), `agt_${i + 0x100000}`, 1e8)
    ).certPem;
  const certIssueMs = (performance.now() - t) / certs;
  t = performance.now();
  for (let i = 0; i < certs; i++) await generateKeyPair();
  const keyPairMs = (performance.now() - t) / certs;

  // 2. Mutual TLS handshakes: server here, client in a child process. Full handshakes
  // with the gateway's ECDSA P-256 certificate; resumed ones (the client presents the
  // ticket of its previous connection); full ones with an RSA-2048 server certificate.
  const rsa = rsaServerCertificate(dir);
  const handshakeRun = async (mode: 'full' | 'resume' | 'rsa') => {
    const srv = tls.createServer(
      {
        ca: ca.certPem,
        cert: mode === 'rsa' ? rsa.certPem : server.certPem,
        key: mode === 'rsa' ? rsa.keyPem : server.keyPem,
        requestCert: true,
        rejectUnauthorized: false,
        ALPNProtocols: ['h2'],
      },
      (s) => {
        s.on('error', () => undefined);
        s.end();
      },
    );
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    const cpu0 = process.cpuUsage();
    const t0 = Date.now();
    const child = fork(
      import.meta.filename,
      ['client', String(port), String(handshakes), ca.certPem, agentCert, keyPem, mode],
      { execArgv: ['--import', 'tsx'] },
    );
    const c = await new Promise<{ wallMs: number; cpuMs: number; reused: number }>((r) =>
      child.once('message', r),
    );
    const serverCpu = cpuMs(process.cpuUsage(cpu0));
    const wall = Date.now() - t0;
    srv.close();
    return {
      serverCpuMs: +(serverCpu / handshakes).toFixed(2),
      clientCpuMs: +(c.cpuMs / handshakes).toFixed(2),
      wallMs: +(wall / handshakes).toFixed(2),
      reused: c.reused,
    };
  };
  const full = await handshakeRun('full');
  const resumed = await handshakeRun('resume');
  const rsaFull = await handshakeRun('rsa');
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(
    `${JSON.stringify({
      bench: 'fleet-measure',
      certIssueMsPerAgent: +certIssueMs.toFixed(2),
      keyPairMsPerAgent: +keyPairMs.toFixed(2),
      handshakes,
      tlsServerCpuMsPerHandshake: full.serverCpuMs,
      tlsClientCpuMsPerHandshake: full.clientCpuMs,
      handshakeWallMs: full.wallMs,
      resumed,
      rsaServerCertificate: rsaFull,
    })}\n`,
  );
}

/** A self-signed RSA-2048 server certificate (openssl), for the key-type comparison. */
function rsaServerCertificate(dir: string): { certPem: string; keyPem: string } {
  const key = path.join(dir, 'rsa.key');
  const crt = path.join(dir, 'rsa.crt');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      '/CN=localhost',
      '-days',
      '2',
      '-keyout',
      key,
      '-out',
      crt,
    ],
    { stdio: 'ignore' },
  );
  return { certPem: readFileSync(crt, 'utf8'), keyPem: readFileSync(key, 'utf8') };
}

if (process.argv[2] === 'client') void client();
else void main();
