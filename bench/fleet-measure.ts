/**
 * Where a fleet connection's time goes, outside the controller's own code: issuing an
 * agent certificate (what the simulator used to do per agent), and a mutual-TLS
 * handshake with the gateway's kind of keys (ECDSA P-256), with the CPU of the server
 * side and of the client side measured in separate processes.
 * `npx tsx bench/fleet-measure.ts [handshakes]` prints one JSON line.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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
  const [, , , port, n, caPem, certPem, keyPem] = process.argv;
  const cpu0 = process.cpuUsage();
  const t0 = Date.now();
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
      });
      s.once('secureConnect', () => {
        s.end();
        resolve();
      });
      s.once('error', reject);
    });
  }
  process.send?.({ wallMs: Date.now() - t0, cpuMs: cpuMs(process.cpuUsage(cpu0)) });
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

  // 2. Mutual TLS handshakes: server here, client in a child process.
  const srv = tls.createServer(
    {
      ca: ca.certPem,
      cert: server.certPem,
      key: server.keyPem,
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
    ['client', String(port), String(handshakes), ca.certPem, agentCert, keyPem],
    { execArgv: ['--import', 'tsx'] },
  );
  const c = await new Promise<{ wallMs: number; cpuMs: number }>((r) => child.once('message', r));
  const serverCpu = cpuMs(process.cpuUsage(cpu0));
  const wall = Date.now() - t0;
  srv.close();
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(
    `${JSON.stringify({
      bench: 'fleet-measure',
      certIssueMsPerAgent: +certIssueMs.toFixed(2),
      keyPairMsPerAgent: +keyPairMs.toFixed(2),
      handshakes,
      tlsServerCpuMsPerHandshake: +(serverCpu / handshakes).toFixed(2),
      tlsClientCpuMsPerHandshake: +(c.cpuMs / handshakes).toFixed(2),
      handshakeWallMs: +(wall / handshakes).toFixed(2),
    })}\n`,
  );
}

if (process.argv[2] === 'client') void client();
else void main();
