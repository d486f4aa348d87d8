/**
 * The type-specific body of a public key blob (what follows the type name in a plain key,
 * or the nonce in a certificate), checked the way OpenSSH's key reader checks it.
 *
 * Exports:
 * - `readKeyFields(reader, plainType)`: `{ bits, application? }` or `{ reason }`.
 */
import type { PlainKeyType } from './key-types';
import { bitLength, type SshWireReader } from './ssh-wire';

export type KeyFields = { bits: number; application?: string } | { reason: string };

const CURVES: Record<string, { bits: number; fieldBytes: number }> = {
  nistp256: { bits: 256, fieldBytes: 32 },
  nistp384: { bits: 384, fieldBytes: 48 },
  nistp521: { bits: 521, fieldBytes: 66 },
};

/** sshd refuses RSA moduli under 1024 bits (SSH_RSA_MINIMUM_MODULUS_SIZE); the wire max is 16384. */
const RSA_MIN_BITS = 1024;
const BIGNUM_MAX_BITS = 16384;

function mpint(r: SshWireReader, name: string): Buffer | string {
  const v = r.bytes();
  if (v === undefined) return `truncated blob: missing ${name}`;
  if (v.length > 0 && (v[0] ?? 0) & 0x80) return `negative ${name}`;
  if (bitLength(v) > BIGNUM_MAX_BITS) return `${name} larger than ${BIGNUM_MAX_BITS} bits`;
  return v;
}

function ecPoint(r: SshWireReader, curveName: string, expected: string): KeyFields {
  const curve = r.text();
  if (curve === undefined) return { reason: 'truncated blob: missing curve name' };
  if (curve !== expected) {
    return { reason: `curve ${JSON.stringify(curve)} does not match key type (${expected})` };
  }
  const spec = CURVES[curve];
  if (!spec) return { reason: `unknown curve ${curveName}` };
  const q = r.bytes();
  if (q === undefined) return { reason: 'truncated blob: missing EC point' };
  // Uncompressed point only (0x04 || X || Y), as OpenSSH requires.
  if (q.length !== 1 + 2 * spec.fieldBytes || q[0] !== 0x04) {
    return { reason: `EC point of ${q.length} bytes is not an uncompressed ${curve} point` };
  }
  return { bits: spec.bits };
}

function application(r: SshWireReader, fields: KeyFields): KeyFields {
  if ('reason' in fields) return fields;
  const app = r.text();
  if (app === undefined) return { reason: 'truncated blob: missing security key application' };
  return { ...fields, application: app };
}

export function readKeyFields(r: SshWireReader, type: PlainKeyType): KeyFields {
  switch (type) {
    case 'ssh-rsa': {
      const e = mpint(r, 'RSA exponent');
      if (typeof e === 'string') return { reason: e };
      const n = mpint(r, 'RSA modulus');
      if (typeof n === 'string') return { reason: n };
      const bits = bitLength(n);
      if (bits < RSA_MIN_BITS) {
        return {
          reason: `RSA key of ${bits} bits is shorter than the ${RSA_MIN_BITS} sshd accepts`,
        };
      }
      return { bits };
    }
    case 'ssh-dss': {
      const parts: Buffer[] = [];
      for (const name of ['DSA p', 'DSA q', 'DSA g', 'DSA y']) {
        const v = mpint(r, name);
        if (typeof v === 'string') return { reason: v };
        parts.push(v);
      }
      return { bits: bitLength(parts[0] ?? Buffer.alloc(0)) };
    }
    case 'ecdsa-sha2-nistp256':
    case 'ecdsa-sha2-nistp384':
    case 'ecdsa-sha2-nistp521': {
      const curve = type.slice('ecdsa-sha2-'.length);
      return ecPoint(r, curve, curve);
    }
    case 'ssh-ed25519':
    case 'sk-ssh-ed25519@openssh.com': {
      const pk = r.bytes();
      if (pk === undefined) return { reason: 'truncated blob: missing Ed25519 public key' };
      if (pk.length !== 32) return { reason: `Ed25519 public key of ${pk.length} bytes, not 32` };
      return type === 'ssh-ed25519' ? { bits: 256 } : application(r, { bits: 256 });
    }
    case 'sk-ecdsa-sha2-nistp256@openssh.com':
      return application(r, ecPoint(r, 'nistp256', 'nistp256'));
  }
}
