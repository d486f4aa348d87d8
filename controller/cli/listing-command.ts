/**
 * Batch listings: `keywarden hosts list --batch` and `keywarden keys list --batch` run the
 * list as a listing-job on the controller, which writes every row to a CSV or JSON file;
 * `keywarden jobs download ID` fetches it. `--wait` waits for the job (showing its
 * progress) and downloads the file at once.
 */
import type { ApiClient } from './api-client';
import type { Options } from './cli-args';
import type { Output } from './job-commands';
import { UsageError } from './option-values';

export const LISTING_OPTIONS = {
  batch: { type: 'boolean', default: false },
} as const;

export const LISTING_USAGE = `  hosts list --batch [--state S] [--format csv|json] [--wait [--out FILE]]   (a listing-job writes the file)
  keys list --batch [--type T] [--host H] [--format csv|json] [--wait [--out FILE]]
  jobs download ID [--out FILE]        (the file of a listing-job; default: the name the controller gives)`;

type Job = {
  id: string;
  state: string;
  progress: unknown;
  result: unknown;
  error: { code: string; message: string } | null;
};

async function download(
  api: ApiClient,
  id: string,
  o: Options,
): Promise<{ file: string; bytes: number }> {
  return api.download(
    `/api/v1/jobs/${encodeURIComponent(id)}/file`,
    (suggested) => o.out ?? suggested ?? `${id}.listing`,
  );
}

export async function batchListCommand(
  api: ApiClient,
  area: 'hosts' | 'keys',
  o: Options,
  progress: (s: string) => void,
): Promise<Output> {
  const format = o.format ?? 'csv';
  if (format !== 'csv' && format !== 'json')
    throw new UsageError(`--format: expected csv or json, got ${JSON.stringify(format)}`);
  const filter =
    area === 'hosts'
      ? { ...(o.state ? { state: o.state } : {}) }
      : { ...(o.type ? { type: o.type } : {}), ...(o.host ? { host: o.host } : {}) };
  const { job } = await api.call<{ job: Job }>('POST', '/api/v1/listings', {
    object: area,
    format,
    filter,
  });
  if (!o.wait)
    return {
      data: { job },
      human: `listing ${area} as job ${job.id}; fetch it with: keywarden jobs download ${job.id}`,
    };
  let last: Job = job;
  while (last.state === 'queued' || last.state === 'running') {
    await new Promise((r) => setTimeout(r, 300));
    last = await api.call<Job>('GET', `/api/v1/jobs/${job.id}`);
    const rows = (last.progress as { rows?: number } | null)?.rows;
    if (rows !== undefined) progress(`${area}: ${rows} rows`);
  }
  if (last.state !== 'completed')
    throw new UsageError(`listing job ${job.id} ${last.state}: ${last.error?.message ?? ''}`);
  const saved = await download(api, job.id, o);
  return {
    data: { job: last, ...saved },
    human: `${(last.result as { rows: number }).rows} ${area} written to ${saved.file} (${saved.bytes} bytes)`,
  };
}

export async function downloadCommand(api: ApiClient, args: string[], o: Options): Promise<Output> {
  const id = args[0];
  if (!id) throw new UsageError('missing job id');
  const saved = await download(api, id, o);
  return { data: saved, human: `saved ${saved.bytes} bytes to ${saved.file}` };
}
