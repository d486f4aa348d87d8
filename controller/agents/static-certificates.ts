/** A grpc-js certificate provider over fixed PEM texts (the CA and the gateway's own pair). */
import type { experimental } from '@grpc/grpc-js';

type Provider = experimental.CertificateProvider;

export function staticCertificates(caPem: string, certPem: string, keyPem: string): Provider {
  return {
    // Delivered on the next tick: grpc-js registers its watcher after adding the listener,
    // so a synchronous update would never reach the server (every handshake is dropped).
    addCaCertificateListener: (l) => setImmediate(() => l({ caCertificate: Buffer.from(caPem) })),
    removeCaCertificateListener: () => undefined,
    addIdentityCertificateListener: (l) =>
      setImmediate(() => l({ certificate: Buffer.from(certPem), privateKey: Buffer.from(keyPem) })),
    removeIdentityCertificateListener: () => undefined,
  };
}
