/**
 * Lines of a log, read within caps: a line longer than `maxLineBytes` is skipped (counted,
 * never turned into a string), and a compressed log is expanded as a stream, a chunk at a
 * time, stopping at `maxExpandedBytes`, so neither a gzip bomb nor a multi-GiB line is ever
 * held in memory. The log comes from a host and is written by whoever can log there.
 *
 * Exports:
 * - `LineSink`: called with each line (without its `\n`); return false to stop reading.
 * - `eachLine(data, maxLineBytes, sink)`: the lines of a buffer; a last line without `\n`
 *   is included. Returns `{ skippedLong, stopped, end }` (`end`: bytes consumed).
 * - `eachGunzippedLine(data, limits, sink)`: the same over gzip data, streamed;
 *   `truncated` says the expanded text was longer than the cap.
 */
import { createGunzip } from 'node:zlib';

/** Return false to stop: the rest of the input is not read. */
export type LineSink = (line: string) => boolean | void;

export interface LinesRead {
  /** Lines over the length cap, skipped. */
  skippedLong: number;
  /** The sink asked to stop. */
  stopped: boolean;
  /** Bytes consumed: up to and including the `\n` of the last line given to the sink. */
  end: number;
}

export function eachLine(data: Buffer, maxLineBytes: number, sink: LineSink): LinesRead {
  let skippedLong = 0;
  let at = 0;
  while (at < data.length) {
    const nl = data.indexOf(0x0a, at);
    const stop = nl === -1 ? data.length : nl;
    const next = nl === -1 ? data.length : nl + 1;
    if (stop - at > maxLineBytes) skippedLong++;
    else if (sink(data.toString('utf8', at, stop)) === false) {
      return { skippedLong, stopped: true, end: next };
    }
    at = next;
  }
  return { skippedLong, stopped: false, end: at };
}

export async function eachGunzippedLine(
  data: Buffer,
  limits: { maxExpandedBytes: number; maxLineBytes: number },
  sink: LineSink,
): Promise<Omit<LinesRead, 'end'> & { truncated: boolean }> {
  const gunzip = createGunzip();
  gunzip.end(data);
  let skippedLong = 0;
  let expanded = 0;
  let truncated = false;
  /** The start of a line the previous chunks ended in (never more than the line cap). */
  let carry: Buffer[] = [];
  let carryBytes = 0;
  let overlong = false;
  const emit = (line: Buffer): boolean => sink(line.toString('utf8')) !== false;
  try {
    for await (const raw of gunzip as AsyncIterable<Buffer>) {
      let chunk = raw;
      if (expanded + chunk.length > limits.maxExpandedBytes) {
        chunk = chunk.subarray(0, limits.maxExpandedBytes - expanded);
        truncated = true;
      }
      expanded += chunk.length;
      let at = 0;
      for (;;) {
        const nl = chunk.indexOf(0x0a, at);
        const piece = chunk.subarray(at, nl === -1 ? chunk.length : nl);
        if (!overlong) {
          if (carryBytes + piece.length > limits.maxLineBytes) {
            overlong = true;
            carry = [];
            carryBytes = 0;
          } else if (nl === -1) {
            carry.push(piece);
            carryBytes += piece.length;
          }
        }
        if (nl === -1) break;
        if (overlong) skippedLong++;
        else if (!emit(carry.length ? Buffer.concat([...carry, piece]) : piece)) {
          return { skippedLong, stopped: true, truncated };
        }
        carry = [];
        carryBytes = 0;
        overlong = false;
        at = nl + 1;
      }
      if (truncated) break; // leaving the loop destroys the stream: nothing more is expanded
    }
  } finally {
    gunzip.destroy();
  }
  // A rotated file is complete: its last line counts even without a final newline (but not
  // one cut by the cap, which may be half a line).
  if (!truncated && (carryBytes > 0 || overlong)) {
    if (overlong) skippedLong++;
    else if (!emit(Buffer.concat(carry))) return { skippedLong, stopped: true, truncated };
  }
  return { skippedLong, stopped: false, truncated };
}
