/**
 * Key pairs, certificate requests and PEM for the agent protocol, over WebCrypto and
 * @peculiar/x509 (pure JavaScript, so the agent stays free of native modules).
 * Every key is ECDSA P-256 with SHA-256: small, fast to sign, accepted by Node's TLS.
 */
import { webcrypto } from 'node:crypto';
// @peculiar/x509 resolves its ASN.1 codecs through tsyringe, which needs this polyfill first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
export const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;

export { x509 };
export type KeyPair = { publicKey: CryptoKey; privateKey: CryptoKey };

/** A fresh copy: WebCrypto wants an ArrayBuffer-backed view, not a pooled Buffer. */
export const bytes = (b: Buffer | string): Uint8Array<ArrayBuffer> =>
  new Uint8Array(typeof b === 'string' ? Buffer.from(b) : b);

export async function generateKeyPair(): Promise<KeyPair> {
  return (await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify'])) as KeyPair;
}

const pem = (label: string, der: ArrayBuffer): string =>
  `-----BEGIN ${label}-----\n${
    Buffer.from(der)
      .toString('base64')
      .match(/.{1,64}/g)
      ?.join('\n') ?? ''
  }\n-----END ${label}-----\n`;

const der = (text: string): Buffer =>
  Buffer.from(text.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64');

export async function privateKeyToPem(key: CryptoKey): Promise<string> {
  return pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', key));
}

export async function privateKeyFromPem(text: string): Promise<CryptoKey> {
  return (await webcrypto.subtle.importKey('pkcs8', bytes(der(text)), KEY_ALGORITHM, true, [
    'sign',
  ])) as CryptoKey;
}

/** A PKCS#10 request for `keys`; the controller decides the subject of the certificate. */
export async function createCsr(keys: KeyPair, commonName: string): Promise<string> {
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: `CN=${commonName}`,
    keys,
    signingAlgorithm: SIGNING_ALGORITHM,
  });
  return csr.toString('pem');
}

export function certificateNotAfter(certPem: string): number {
  return new x509.X509Certificate(certPem).notAfter.getTime();
}
