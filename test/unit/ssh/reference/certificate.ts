// Frozen copy of shared/ssh/certificate.ts as of d441a07 (before the issue 19 parser rewrite): the
// reference the differential test compares the current parser with. Do not edit.

/**
 * The OpenSSH certificate fields (PROTOCOL.certkeys) that follow the key body in a
 * `*-cert-v01@openssh.com` blob.
 *
 * Exports:
 * - `CertificateInfo`: serial, kind, key id, principals, validity, options, signing CA.
 * - `readCertificateFields(reader)`: `CertificateInfo` or `{ reason }` (truncated, trailing data).
 */
import { fingerprintMd5, fingerprintSha256, isCertTypeName, isKeyTypeName } from './key-types';
import { SshWireReader } from '../../../../shared/ssh/ssh-wire';

export interface CertificateInfo {
  /** Decimal string: serials are uint64 and do not fit a JS number. */
  serial: string;
  kind: 'user' | 'host';
  keyId: string;
  /** Empty means "any principal" (sshd then requires principals from elsewhere). */
  principals: string[];
  /** Milliseconds since the epoch; `null` when unbounded (0 / forever). */
  validAfterMs: number | null;
  validBeforeMs: number | null;
  criticalOptions: Record<string, string>;
  extensions: string[];
  signatureKeyType: string;
  /** Fingerprints of the signing CA key, as `ssh-keygen -l` prints them. */
  caSha256: string;
  caMd5: string;
}

const FOREVER = 0xffffffffffffffffn;

function packedStrings(buf: Buffer): string[] | undefined {
  const r = new SshWireReader(buf);
  const out: string[] = [];
  while (r.remaining > 0) {
    const s = r.text();
    if (s === undefined) return undefined;
    out.push(s);
  }
  return out;
}

/** Name/data pairs; a non-empty data field holds one more SSH string (e.g. force-command). */
function packedOptions(buf: Buffer): Record<string, string> | undefined {
  const r = new SshWireReader(buf);
  const out: Record<string, string> = {};
  while (r.remaining > 0) {
    const name = r.text();
    const data = r.bytes();
    if (name === undefined || data === undefined) return undefined;
    out[name] = data.length === 0 ? '' : (new SshWireReader(data).text() ?? '');
  }
  return out;
}

function timeMs(sec: bigint, unboundedAt: bigint): number | null {
  if (sec === unboundedAt) return null;
  return sec > 8_000_000_000_000n ? Number.MAX_SAFE_INTEGER : Number(sec) * 1000;
}

export function readCertificateFields(r: SshWireReader): CertificateInfo | { reason: string } {
  const truncated = { reason: 'truncated certificate' };
  const serial = r.uint64();
  const kindCode = r.uint32();
  const keyId = r.text();
  const principalsBuf = r.bytes();
  const validAfter = r.uint64();
  const validBefore = r.uint64();
  const critical = r.bytes();
  const extensionsBuf = r.bytes();
  const reserved = r.bytes();
  const signatureKey = r.bytes();
  const signature = r.bytes();
  if (signature === undefined || serial === undefined || kindCode === undefined) return truncated;
  if (keyId === undefined || principalsBuf === undefined || validAfter === undefined) {
    return truncated;
  }
  if (validBefore === undefined || critical === undefined || extensionsBuf === undefined) {
    return truncated;
  }
  if (reserved === undefined || signatureKey === undefined) return truncated;
  if (r.remaining !== 0)
    return { reason: `${r.remaining} bytes of trailing data after certificate` };
  if (kindCode !== 1 && kindCode !== 2) return { reason: `unknown certificate type ${kindCode}` };
  const principals = packedStrings(principalsBuf);
  const criticalOptions = packedOptions(critical);
  const extensions = packedOptions(extensionsBuf);
  if (!principals || !criticalOptions || !extensions) {
    return { reason: 'malformed certificate principals or options' };
  }
  const signatureKeyType = new SshWireReader(signatureKey).text() ?? '';
  if (!isKeyTypeName(signatureKeyType) || isCertTypeName(signatureKeyType)) {
    return { reason: `certificate signed by unsupported CA key type ${signatureKeyType}` };
  }
  return {
    serial: serial.toString(),
    kind: kindCode === 1 ? 'user' : 'host',
    keyId,
    principals,
    validAfterMs: timeMs(validAfter, 0n),
    validBeforeMs: timeMs(validBefore, FOREVER),
    criticalOptions,
    extensions: Object.keys(extensions),
    signatureKeyType,
    caSha256: fingerprintSha256(signatureKey),
    caMd5: fingerprintMd5(signatureKey),
  };
}
