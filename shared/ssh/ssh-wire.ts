/**
 * Reading the SSH wire encoding (RFC 4251 §5) that public key and certificate blobs use.
 *
 * Exports:
 * - `SshWireReader`: sequential reader over a blob; every read returns `undefined` when the
 *   blob is truncated, so callers can turn truncation into a reason instead of a throw.
 * - `encodeSshString(bytes)`: a length-prefixed string, for rebuilding blobs.
 */
export class SshWireReader {
  offset = 0;
  constructor(readonly buf: Buffer) {}

  get remaining(): number {
    return this.buf.length - this.offset;
  }

  uint32(): number | undefined {
    if (this.remaining < 4) return undefined;
    const v = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  uint64(): bigint | undefined {
    if (this.remaining < 8) return undefined;
    const v = this.buf.readBigUInt64BE(this.offset);
    this.offset += 8;
    return v;
  }

  /** A length-prefixed byte string (also used for mpints, which are strings on the wire). */
  bytes(): Buffer | undefined {
    const len = this.uint32();
    if (len === undefined || len > this.remaining) return undefined;
    const v = this.buf.subarray(this.offset, this.offset + len);
    this.offset += len;
    return v;
  }

  /** A string that must be valid UTF-8 text (type names, key ids, principals). */
  text(): string | undefined {
    const b = this.bytes();
    return b === undefined ? undefined : b.toString('utf8');
  }
}

/** Number of significant bits of an unsigned big-endian integer (an mpint body). */
export function bitLength(bytes: Buffer): number {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  const first = bytes[i];
  if (first === undefined) return 0;
  return (bytes.length - i - 1) * 8 + (32 - Math.clz32(first));
}

export function encodeSshString(bytes: Buffer | string): Buffer {
  const body = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length, 0);
  return Buffer.concat([len, body]);
}
