/**
 * An access group's source restriction and time windows, checked whole (the API's POST and
 * PUT .../limits): `from` as sshd reads it (shared/ssh/from-patterns.ts), the schedule as
 * access-windows.ts reads it, and the source given once — not also as a `from` option.
 */
import { invalidInput } from '../../shared/errors';
import type { AuthorizedKeyOption } from '../../shared/ssh/authorized-key-options';
import { checkFromPatterns } from '../../shared/ssh/from-patterns';
import type { AccessSchedule } from '../store/directory-records';
import { checkSchedule } from './access-windows';

export function checkAccessGroupLimits(
  b: { from?: string[]; schedule?: AccessSchedule },
  options: readonly AuthorizedKeyOption[],
): { from?: string[]; schedule?: AccessSchedule } {
  if (b.from !== undefined && options.some((o) => o.name === 'from'))
    throw invalidInput('give the source restriction once: as from, not also as a from option', {
      details: { field: 'options', value: 'from', expected: 'from or the option, not both' },
    });
  const from = b.from === undefined ? undefined : checkFromPatterns(b.from);
  const schedule = b.schedule === undefined ? undefined : checkSchedule(b.schedule);
  return { ...(from ? { from } : {}), ...(schedule ? { schedule } : {}) };
}
