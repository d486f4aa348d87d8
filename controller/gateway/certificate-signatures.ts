/**
 * The two signatures a certificate login rests on: the CA's over the certificate, and the
 * person's over the session (RFC 4252), made with the certified key. The blob is cut with
 * the repo's own SSH wire reader; sshpk only checks signatures over bytes it is handed.
 *
 * Not sshpk's certificate API, on purpose: its `isSignedByKey` for OpenSSH certificates
 * compares the CA key named inside the certificate with the one given and never checks the
 * signature (anyone could write a trusted CA's public key into a certificate of their own),
 * and its certificate reader pads an Ed25519 key whose first byte is 0x80 or more to 33
 * bytes, so no signature verifies against its `subjectKey` for half of all Ed25519 keys.
 */
import sshpk from 'sshpk';
import { readKeyFields } from '../../shared/ssh/key-fields';
import { fingerprintSha256, plainTypeOf } from '../../shared/ssh/key-types';
import type { PublicKey } from '../../shared/ssh/public-key';
import { encodeSshString, SshWireReader } from '../../shared/ssh/ssh-wire';

interface CertificateParts {
  /** The certified key as a plain key blob (`ssh-ed25519`, ...). */
  plainKey: Buffer;
  /** Everything the CA signed: the blob up to its signature field. */
  signed: Buffer;
  /** The CA's signature, an SSH signature blob (algorithm name, signature). */
  caSignature: Buffer;
}

function certificateParts(key: PublicKey): CertificateParts | null {
  const r = new SshWireReader(key.blob);
  const plainType = plainTypeOf(r.text() ?? '');
  if (!plainType || r.bytes() === undefined) return null; // the nonce
  const keyStart = r.offset;
  if ('reason' in readKeyFields(r, plainType)) return null;
  const plainKey = Buffer.concat([
    encodeSshString(plainType),
    key.blob.subarray(keyStart, r.offset),
  ]);
  // serial, type, key id, principals, valid after, valid before, critical options,
  // extensions, reserved, signature key: then the signature, last.
  const skipped = [
    r.uint64(),
    r.uint32(),
    r.bytes(),
    r.bytes(),
    r.uint64(),
    r.uint64(),
    r.bytes(),
    r.bytes(),
    r.bytes(),
    r.bytes(),
  ];
  if (skipped.some((v) => v === undefined)) return null;
  const signedEnd = r.offset;
  const caSignature = r.bytes();
  if (!caSignature || r.remaining !== 0) return null;
  if (fingerprintSha256(plainKey) !== key.sha256) return null;
  return { plainKey, signed: key.blob.subarray(0, signedEnd), caSignature };
}

/** An SSH signature blob over `data` by `signer`; SHA-1 RSA refused, as OpenSSH does. */
function sshSignatureValid(signer: sshpk.Key, data: Buffer, signature: Buffer): boolean {
  try {
    const sig = sshpk.parseSignature(signature, signer.type as sshpk.AlgorithmType, 'ssh');
    const hash = signer.type === 'rsa' ? sig.hashAlgorithm : signer.defaultHashAlgorithm();
    if (!hash || hash === 'sha1') return false;
    const verifier = signer.createVerify(hash);
    verifier.update(data);
    return verifier.verify(sig);
  } catch {
    return false;
  }
}

export function caSignatureValid(key: PublicKey, ca: sshpk.Key): boolean {
  const parts = certificateParts(key);
  return parts !== null && sshSignatureValid(ca, parts.signed, parts.caSignature);
}

/**
 * The person's signature over the session. ssh2 hands a certificate's signature over
 * undecoded (its algorithm name is the plain key's, not the certificate's), as an SSH
 * signature blob.
 */
export function certificateSignatureValid(
  key: PublicKey,
  signed: Buffer,
  signature: Buffer,
): boolean {
  const parts = certificateParts(key);
  if (!parts) return false;
  let subject: sshpk.Key;
  try {
    subject = sshpk.parseKey(parts.plainKey, 'rfc4253');
  } catch {
    return false;
  }
  return sshSignatureValid(subject, signed, signature);
}
