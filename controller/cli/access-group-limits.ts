/**
 * The CLI's words for an access group's source restriction and time windows:
 * `--source CIDR` (repeat), `--access-window 'mon-fri 08:00-18:00'` (repeat),
 * `--time-zone Europe/Berlin`, `--max-hours-per-day 8`; the API checks them whole.
 */
import { parseWindowSpec } from '../directory/access-windows';
import type { Options } from './cli-args';
import { UsageError } from './option-values';

type WindowView = ReturnType<typeof parseWindowSpec>;
export interface ScheduleView {
  timeZone: string;
  windows: WindowView[];
  maxHoursPerDay?: number;
}

export const ACCESS_GROUP_LIMIT_OPTIONS = {
  source: { type: 'string', multiple: true },
  'access-window': { type: 'string', multiple: true },
  'time-zone': { type: 'string' },
  'max-hours-per-day': { type: 'string' },
} as const;

export const ACCESS_GROUP_LIMIT_USAGE = `      [--source CIDR|ADDRESS|HOST-PATTERN ...] [--access-window '[DAYS] HH:MM-HH:MM' ... --time-zone ZONE
      [--max-hours-per-day N]]`;

export function accessGroupLimits(o: Options): { from?: string[]; schedule?: ScheduleView } {
  const windows = o['access-window'];
  if (!windows?.length && (o['time-zone'] || o['max-hours-per-day']))
    throw new UsageError(
      'access-groups add: --time-zone and --max-hours-per-day go with --access-window',
    );
  let schedule: ScheduleView | undefined;
  if (windows?.length) {
    if (!o['time-zone'])
      throw new UsageError(
        'access-groups add: --access-window needs --time-zone (e.g. Europe/Berlin or UTC)',
      );
    const max = o['max-hours-per-day'];
    if (max !== undefined && !/^\d+(\.\d+)?$/.test(max))
      throw new UsageError(`--max-hours-per-day: expected a number of hours, got ${max}`);
    schedule = {
      timeZone: o['time-zone'],
      windows: windows.map((w): WindowView => {
        try {
          return parseWindowSpec(w);
        } catch (err) {
          throw new UsageError(`--access-window: ${(err as Error).message}`);
        }
      }),
      ...(max !== undefined ? { maxHoursPerDay: Number(max) } : {}),
    };
  }
  return { ...(o.source?.length ? { from: o.source } : {}), ...(schedule ? { schedule } : {}) };
}

/** "from 10.0.0.0/8; mon-fri 08:00-18:00 Europe/Berlin, at most 8 h a day", or ''. */
export function describeLimits(g: { from?: string[]; schedule?: ScheduleView }): string {
  const parts: string[] = [];
  if (g.from?.length) parts.push(`from ${g.from.join(',')}`);
  if (g.schedule) {
    const w = g.schedule.windows.map((x) => `${x.days.join(',')} ${x.start}-${x.end}`);
    const max = g.schedule.maxHoursPerDay;
    parts.push(
      `${w.join('; ')} ${g.schedule.timeZone}${max !== undefined ? `, at most ${max} h a day` : ''}`,
    );
  }
  return parts.join('; ');
}
