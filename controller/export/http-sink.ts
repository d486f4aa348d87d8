/**
 * Batches POSTed to an HTTP(S) endpoint with a bearer token (read from a file, held only in
 * this object, never logged): OCSF as a JSON array, CEF as text lines. A 2xx answer is the
 * acknowledgement; anything else, or no answer in time, sends the batch again. The
 * `Idempotency-Key` header names the batch (its first and last event ids).
 */
import { readFileSync } from 'node:fs';
import type { ExportMessage, ExportSink } from './export-sink';

const TIMEOUT_MS = 15_000;

export class HttpSink implements ExportSink {
  private readonly token: string;

  constructor(
    private readonly url: string,
    tokenFile: string,
    private readonly json: boolean,
  ) {
    this.token = readFileSync(tokenFile, 'utf8').trim();
    if (!this.token) throw new Error(`the token file of HTTP sink ${url} is empty`);
  }

  async send(batch: ExportMessage[]): Promise<void> {
    const body = this.json
      ? `[${batch.map((m) => m.text).join(',')}]`
      : batch.map((m) => `${m.text}\n`).join('');
    const res = await fetch(this.url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${this.token}`,
        'content-type': this.json ? 'application/json' : 'text/plain; charset=utf-8',
        'idempotency-key': `${batch[0]?.id ?? ''}..${batch.at(-1)?.id ?? ''}`,
      },
      body,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    await res.body?.cancel();
    if (!res.ok) throw new Error(`HTTP sink ${this.url} answered ${res.status}`);
  }

  async close(): Promise<void> {}
}
