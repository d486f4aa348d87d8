/**
 * Events appended to a file, one per line (a CEF line, or OCSF JSON), fsynced before the
 * batch counts as delivered. Past `maxBytes` the file is rotated: file.1 ... file.`keep`,
 * the oldest dropped, so the disk use is bounded.
 */
import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import type { ExportMessage, ExportSink } from './export-sink';

export class FileSink implements ExportSink {
  private handle: FileHandle | null = null;
  private size = 0;

  constructor(
    private readonly path: string,
    private readonly maxBytes: number | undefined,
    private readonly keep: number,
  ) {}

  async send(batch: ExportMessage[]): Promise<void> {
    const data = Buffer.from(batch.map((m) => `${m.text}\n`).join(''), 'utf8');
    if (this.maxBytes !== undefined && this.size > 0 && this.size + data.length > this.maxBytes)
      await this.rotate();
    const h = await this.file();
    await h.write(data);
    await h.sync();
    this.size += data.length;
  }

  async close(): Promise<void> {
    await this.handle?.close();
    this.handle = null;
  }

  private async file(): Promise<FileHandle> {
    if (!this.handle) {
      this.handle = await open(this.path, 'a', 0o640);
      this.size = (await stat(this.path)).size;
    }
    return this.handle;
  }

  private async rotate(): Promise<void> {
    await this.close();
    if (this.keep === 0) await rm(this.path, { force: true });
    else {
      await rm(`${this.path}.${this.keep}`, { force: true });
      for (let i = this.keep - 1; i >= 1; i--)
        await rename(`${this.path}.${i}`, `${this.path}.${i + 1}`).catch(() => undefined);
      await rename(this.path, `${this.path}.1`);
    }
    this.size = 0;
  }
}
