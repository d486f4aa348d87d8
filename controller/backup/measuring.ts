import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';

/** Hashes and counts what flows through, unchanged: the decompressed checksum of a backup file. */
export function measuring() {
  const hash = createHash('sha256');
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  return { stream, result: () => ({ size, sha256: hash.digest('hex') }) };
}
