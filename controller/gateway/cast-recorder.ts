/**
 * A session's recording as asciicast v2 files: the output (what the host's terminal showed,
 * `[t, "o", text]` events, what asciinema-player and `asciinema play` replay) and, kept
 * apart, the input (`[t, "i", text]`: what the person typed, passwords typed at a prompt
 * included, so it is read only by those who may). Lines are appended as the bytes pass; at
 * the size limit the recorder says so and the session is ended: it never goes on unrecorded.
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';

export interface CastHeader {
  width: number;
  height: number;
  timestamp: number;
  title: string;
  term: string;
}

export interface CastRecorderOptions {
  /** Absolute paths of the two files. */
  outputFile: string;
  inputFile: string;
  header: CastHeader;
  maxBytes: number;
  onLimit: () => void;
}

const headerLine = (h: CastHeader) =>
  `${JSON.stringify({
    version: 2,
    width: h.width,
    height: h.height,
    timestamp: h.timestamp,
    title: h.title,
    env: { TERM: h.term },
  })}\n`;

export class CastRecorder {
  private readonly out: WriteStream;
  private readonly input: WriteStream;
  private readonly startedAt = process.hrtime.bigint();
  private readonly inputDecoder = new StringDecoder('utf8');
  private written = 0;
  private limited = false;
  bytesOut = 0;
  bytesIn = 0;

  constructor(private readonly opts: CastRecorderOptions) {
    mkdirSync(path.dirname(opts.outputFile), { recursive: true, mode: 0o700 });
    this.out = createWriteStream(opts.outputFile, { flags: 'wx', mode: 0o600 });
    this.input = createWriteStream(opts.inputFile, { flags: 'wx', mode: 0o600 });
    const h = headerLine(opts.header);
    this.out.write(h);
    this.input.write(h);
    this.written += 2 * Buffer.byteLength(h);
  }

  get truncated(): boolean {
    return this.limited;
  }

  private elapsed(): string {
    return (Number(process.hrtime.bigint() - this.startedAt) / 1e9).toFixed(6);
  }

  private append(stream: WriteStream, kind: 'o' | 'i' | 'r', text: string): boolean {
    if (this.limited) return false;
    const line = `[${this.elapsed()}, "${kind}", ${JSON.stringify(text)}]\n`;
    const size = Buffer.byteLength(line);
    if (this.written + size > this.opts.maxBytes) {
      this.limited = true;
      this.opts.onLimit();
      return false;
    }
    this.written += size;
    stream.write(line);
    return true;
  }

  /** Output as node-pty delivers it (already decoded text). */
  output(text: string): boolean {
    this.bytesOut += Buffer.byteLength(text);
    return this.append(this.out, 'o', text);
  }

  /** What the person typed, as the SSH channel delivers it. */
  typed(data: Buffer): boolean {
    this.bytesIn += data.length;
    return this.append(this.input, 'i', this.inputDecoder.write(data));
  }

  /** asciicast v2 resize event ("r", "COLSxROWS"): players reflow from here. */
  resize(cols: number, rows: number): void {
    this.append(this.out, 'r', `${cols}x${rows}`);
  }

  async close(): Promise<void> {
    const end = (s: WriteStream) => new Promise<void>((r) => s.end(r));
    await Promise.all([end(this.out), end(this.input)]);
  }
}
