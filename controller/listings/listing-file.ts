/**
 * Listing files: written under DATA_DIR/listings (0700) as FILE.tmp (0600), renamed when
 * complete, so a download never reads half a file and no other local user reads any.
 * CSV cells that a spreadsheet would run as a formula (= + - @ first) are prefixed with '.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';

export type ListingFormat = 'csv' | 'json';

export const listingDir = (dataDir: string) => path.join(dataDir, 'listings');
export const listingPath = (dataDir: string, jobId: string, format: ListingFormat) =>
  path.join(listingDir(dataDir), `${jobId}.${format}`);

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s = String(v);
  if (/^[=+\-@\t\r]/.test(s) && typeof v === 'string') s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export class ListingWriter {
  private rows = 0;
  private constructor(
    private readonly out: ReturnType<typeof createWriteStream>,
    private readonly format: ListingFormat,
    private readonly columns: readonly string[],
    private readonly tmp: string,
    private readonly file: string,
  ) {}

  static async open(
    dataDir: string,
    jobId: string,
    format: ListingFormat,
    columns: readonly string[],
  ): Promise<ListingWriter> {
    await mkdir(listingDir(dataDir), { recursive: true, mode: 0o700 });
    const file = listingPath(dataDir, jobId, format);
    const tmp = `${file}.tmp`;
    const out = createWriteStream(tmp, { mode: 0o600, flags: 'w' });
    await once(out, 'open');
    const w = new ListingWriter(out, format, columns, tmp, file);
    await w.write(format === 'csv' ? `${columns.join(',')}\n` : '[');
    return w;
  }

  get count(): number {
    return this.rows;
  }

  /** Waits when the stream's buffer is full, so a slow disk holds the reader back. */
  private async write(text: string): Promise<void> {
    if (!this.out.write(text)) await once(this.out, 'drain');
  }

  async add(row: Record<string, unknown>): Promise<void> {
    const text =
      this.format === 'csv'
        ? `${this.columns.map((c) => csvCell(row[c])).join(',')}\n`
        : `${this.rows === 0 ? '\n' : ',\n'}${JSON.stringify(Object.fromEntries(this.columns.map((c) => [c, row[c] ?? null])))}`;
    this.rows++;
    await this.write(text);
  }

  /** Ends the file and moves it into place; returns its size. */
  async finish(): Promise<number> {
    if (this.format === 'json') await this.write(this.rows ? '\n]\n' : ']\n');
    this.out.end();
    await once(this.out, 'close');
    await rename(this.tmp, this.file);
    return (await stat(this.file)).size;
  }

  async abandon(): Promise<void> {
    this.out.destroy();
    await rm(this.tmp, { force: true });
  }
}

/** Removes listing files older than `maxAgeMs` (they are downloads, not records). */
export async function removeOldListings(
  dataDir: string,
  maxAgeMs: number,
  now: number,
): Promise<number> {
  let names: string[];
  try {
    names = await readdir(listingDir(dataDir));
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const p = path.join(listingDir(dataDir), name);
    const s = await stat(p).catch(() => null);
    if (s && now - s.mtimeMs > maxAgeMs) {
      await rm(p, { force: true });
      removed++;
    }
  }
  return removed;
}
