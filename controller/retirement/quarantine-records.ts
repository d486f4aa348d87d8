import { notFound } from '../../shared/errors';
import type { JobContext } from '../engine/job-definition';
import type { KeyQuarantineRecord, QuarantineState } from '../store/retirement-records';

/** The records a host child was given, each still in one of `states` (others are skipped). */
export async function recordsToAct(
  ctx: Pick<JobContext, 'store'>,
  hostId: string,
  ids: string[],
  states: QuarantineState[],
): Promise<KeyQuarantineRecord[]> {
  const out: KeyQuarantineRecord[] = [];
  for (const id of ids) {
    const r = await ctx.store.keyQuarantines.get(id);
    if (!r || r.hostId !== hostId)
      throw notFound(`no quarantine ${id} on ${hostId}`, {
        details: { field: 'records', value: id },
      });
    if (states.includes(r.state)) out.push(r);
  }
  return out;
}

/** The file's lines of the key, as a scan after the edit found them. */
export const linesOf = (
  keys: {
    account: string;
    file: string;
    fingerprint: string;
    options: { name: string; value?: string }[];
  }[],
  r: KeyQuarantineRecord,
) =>
  keys.filter(
    (k) => k.account === r.account && k.file === r.file && k.fingerprint === r.fingerprint,
  );
