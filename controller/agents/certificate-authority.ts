/**
 * The Keywarden CA: signs agent client certificates, the gateway's server certificate
 * and ICB files. Its key and certificate live in the CA directory (default
 * DATA_DIR/ca), created on first start; the key file is 0600. Controllers that share a
 * store must share this directory's two files, or agents enrolled by one would be
 * refused by the other.
 */
import { randomBytes, webcrypto } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { enrollmentRefused } from '../../shared/errors';
import {
  generateKeyPair,
  privateKeyFromPem,
  privateKeyToPem,
  SIGNING_ALGORITHM,
  x509,
} from '../../shared/proto/pem-keys';

export interface CertificateAuthority {
  certPem: string;
  cert: x509.X509Certificate;
  key: CryptoKey;
}

const DAY = 86_400_000;
const serial = () =>
  randomBytes(16)
    .toString('hex')
    .replace(/^[89a-f]/, '7');

export async function loadOrCreateCa(dir: string): Promise<CertificateAuthority> {
  const keyFile = path.join(dir, 'ca.key');
  const certFile = path.join(dir, 'ca.crt');
  if (existsSync(keyFile) && existsSync(certFile)) {
    const certPem = readFileSync(certFile, 'utf8');
    return {
      certPem,
      cert: new x509.X509Certificate(certPem),
      key: await privateKeyFromPem(readFileSync(keyFile, 'utf8')),
    };
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keys = await generateKeyPair();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=Keywarden agent CA ${hostname()}, O=Keywarden`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 20 * 365 * DAY),
    signingAlgorithm: SIGNING_ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
    ],
  });
  writeFileSync(keyFile, await privateKeyToPem(keys.privateKey), { mode: 0o600 });
  chmodSync(keyFile, 0o600);
  writeFileSync(certFile, cert.toString('pem'), { mode: 0o644 });
  return { certPem: cert.toString('pem'), cert, key: keys.privateKey };
}

async function issue(
  ca: CertificateAuthority,
  subject: string,
  publicKey: x509.PublicKey | CryptoKey,
  validityMs: number,
  extensions: x509.Extension[],
): Promise<{ certPem: string; serial: string; notAfter: number }> {
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject,
    issuer: ca.cert.subject,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + validityMs),
    signingAlgorithm: SIGNING_ALGORITHM,
    publicKey,
    signingKey: ca.key,
    extensions: [new x509.BasicConstraintsExtension(false, undefined, true), ...extensions],
  });
  return {
    certPem: cert.toString('pem'),
    serial: cert.serialNumber,
    notAfter: cert.notAfter.getTime(),
  };
}

/** The gateway's TLS certificate, naming every address agents may dial. */
export async function issueServerCertificate(
  ca: CertificateAuthority,
  names: string[],
): Promise<{ certPem: string; keyPem: string }> {
  const keys = await generateKeyPair();
  const ips = names.filter((n) => /^[\d.]+$|:/.test(n));
  const dns = names.filter((n) => !ips.includes(n));
  const { certPem } = await issue(
    ca,
    `CN=${dns[0] ?? 'keywarden-controller'}`,
    keys.publicKey,
    825 * DAY,
    [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        ...dns.map((value) => ({ type: 'dns' as const, value })),
        ...ips.map((value) => ({ type: 'ip' as const, value })),
      ]),
    ],
  );
  return { certPem, keyPem: await privateKeyToPem(keys.privateKey) };
}

/**
 * Signs an agent's certificate request: the subject is the agent id the controller chose,
 * whatever the request asked for. A request whose signature does not verify (the sender
 * does not hold the key) is refused.
 */
export async function issueAgentCertificate(
  ca: CertificateAuthority,
  csrPem: string,
  agentId: string,
  validityMs: number,
): Promise<{ certPem: string; serial: string; notAfter: number }> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
  } catch (cause) {
    throw enrollmentRefused('the certificate request is not a PEM PKCS#10 request', { cause });
  }
  if (!(await csr.verify(webcrypto as unknown as Crypto))) {
    throw enrollmentRefused('the certificate request is not signed by its own key');
  }
  return issue(ca, `CN=${agentId}, O=Keywarden agents`, csr.publicKey, validityMs, [
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
  ]);
}

/** The agent id a verified client certificate names (its CN). */
export function agentIdOfSubject(subject: { CN?: string | string[] } | undefined): string | null {
  const cn = subject?.CN;
  const v = Array.isArray(cn) ? cn[0] : cn;
  return v && /^agt_[0-9a-f]+$/.test(v) ? v : null;
}
