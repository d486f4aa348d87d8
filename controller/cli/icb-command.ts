/**
 * `keywarden icb create --out FILE`: asks the controller for an ICB (POST /api/v1/icb)
 * and writes it to FILE, readable by its owner only: it carries a single-use enrollment
 * token. An existing file is never overwritten, so an ICB already handed out stays valid.
 */
import { writeFileSync } from 'node:fs';
import type { ApiClient } from './api-client';
import type { Options } from './cli-args';
import { durationOption, UsageError } from './option-values';
import { time } from './format';
import type { Output } from './job-commands';

export const ICB_OPTIONS = {
  out: { type: 'string' },
  'host-group': { type: 'string' },
  'expires-in': { type: 'string' },
} as const;

export const ICB_USAGE = `  icb create --out FILE [--host-group G] [--expires-in 7d]   (copy FILE to /etc/keywarden/agent.icb on the new host)`;

interface IcbResponse {
  jobId: string;
  icbId: string;
  expiresAt: number;
  icb: unknown;
}

export async function icbCommand(
  api: ApiClient,
  sub: string | undefined,
  args: string[],
  o: Options,
): Promise<Output> {
  if (sub !== 'create') throw new UsageError(`unknown icb command ${sub ?? '(none)'}`);
  if (args.length > 0) throw new UsageError(`icb create takes no arguments, got ${args.join(' ')}`);
  const out = o.out;
  if (!out) throw new UsageError('icb create: --out FILE is required');
  const validityMs = durationOption(o['expires-in'], 'expires-in');
  if (validityMs !== undefined && validityMs < 60_000)
    throw new UsageError(`--expires-in: at least 1m, got ${o['expires-in']}`);
  const res = await api.call<IcbResponse>('POST', '/api/v1/icb', {
    ...(o['host-group'] ? { groupId: o['host-group'] } : {}),
    ...(validityMs !== undefined ? { validityMs } : {}),
  });
  try {
    writeFileSync(out, `${JSON.stringify(res.icb, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(
      code === 'EEXIST'
        ? `${out} already exists; not overwritten (ICB ${res.icbId} was created but not saved)`
        : `cannot write ${out}: ${(err as Error).message} (ICB ${res.icbId} was created but not saved)`,
      { cause: err },
    );
  }
  return {
    data: { icbId: res.icbId, jobId: res.jobId, expiresAt: res.expiresAt, file: out },
    human: `ICB ${res.icbId} written to ${out} (single use, expires ${time(res.expiresAt)}); copy it to /etc/keywarden/agent.icb on the new host`,
  };
}
