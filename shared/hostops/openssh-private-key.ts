/**
 * The clear-text header of an `openssh-key-v1` private key (PROTOCOL.key): the cipher tells
 * whether it is encrypted, and the public key is stored unencrypted, so both are known
 * without a passphrase.
 */
export interface OpensshPrivateKeyHeader {
  cipher: string;
  publicKeyBlob: Buffer;
}

const MAGIC = Buffer.from('openssh-key-v1\0', 'latin1');

export function readOpensshPrivateKeyHeader(pem: string): OpensshPrivateKeyHeader | undefined {
  const body = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  const bytes = Buffer.from(body, 'base64');
  if (!bytes.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  let at = MAGIC.length;
  const next = (): Buffer | undefined => {
    if (at + 4 > bytes.length) return undefined;
    const len = bytes.readUInt32BE(at);
    if (at + 4 + len > bytes.length) return undefined;
    const out = bytes.subarray(at + 4, at + 4 + len);
    at += 4 + len;
    return out;
  };
  const cipher = next()?.toString('latin1');
  next(); // kdf name
  next(); // kdf options
  if (cipher === undefined || at + 4 > bytes.length) return undefined;
  at += 4; // number of keys: OpenSSH writes one
  const publicKeyBlob = next();
  return publicKeyBlob ? { cipher, publicKeyBlob } : undefined;
}
