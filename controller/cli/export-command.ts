/** `keywarden export sinks`: the SIEM export sinks, where each has got to, and its last error. */
import type { ApiClient } from './api-client';
import { table, time } from './format';
import type { Output } from './job-commands';
import { UsageError } from './option-values';

export const EXPORT_USAGE = `  export sinks   (SIEM export sinks: state, delivered, cursors, last error)`;

export async function exportCommand(api: ApiClient, sub: string | undefined): Promise<Output> {
  if (sub !== 'sinks')
    throw new UsageError(`export: unknown command ${sub ?? '(none)'}; use sinks`);
  const res = await api.call<{ items: Array<Record<string, unknown>> }>(
    'GET',
    '/api/v1/export/sinks',
  );
  const rows = res.items.map((s) => {
    const c = s.cursors as { alerts: string | null; audit: string | null };
    return {
      ...s,
      last: s.lastDeliveredAt === null ? '-' : time(s.lastDeliveredAt),
      cursors: `alerts ${c.alerts ?? '-'}, audit ${c.audit ?? '-'}`,
      error: s.lastError ?? '',
    };
  });
  return {
    data: res,
    human: table(rows, ['id', 'url', 'format', 'state', 'delivered', 'last', 'cursors', 'error']),
  };
}
