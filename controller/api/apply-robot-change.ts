/**
 * One change of a robot's settings, all or nothing: checked first, written in one store
 * update, then audited with who and what changed, sent to syslog, and applied to this
 * controller at once (others pick it up at their next scheduler tick, within a second).
 */
import { invalidInput, notFound } from '../../shared/errors';
import type { ControllerServices } from '../controller-services';
import type { SyslogSender } from '../notify/syslog-sender';
import type { RobotRecord } from '../store/records';
import type { RobotPatch } from '../store/store';

/** The seed's caution, returned with every change. */
export const ROBOT_CHANGE_WARNING =
  "Changing a robot's interval, number of instances or status can make data unavailable " +
  'or late until it runs again.';

export type RobotChangeInput = Pick<
  RobotPatch,
  'instances' | 'intervalMs' | 'windowStart' | 'windowEnd' | 'enabled'
>;

export interface RobotChangeResult {
  robot: RobotRecord;
  changes: Record<string, { from: unknown; to: unknown }>;
}

const FIELDS = ['instances', 'intervalMs', 'windowStart', 'windowEnd', 'enabled'] as const;

export async function applyRobotChange(
  s: ControllerServices,
  syslog: SyslogSender | null,
  type: string,
  input: RobotChangeInput,
  actor: string,
): Promise<RobotChangeResult> {
  const def = s.queue.definition(type);
  const before = def.robot ? await s.store.robots.get(type) : null;
  if (!before)
    throw notFound(`job type ${type} is not a robot`, { details: { field: 'type', value: type } });
  if (input.intervalMs !== undefined && before.intervalMs === null) {
    throw invalidInput(`intervalMs: robot ${type} runs on demand, not periodically`, {
      details: { field: 'intervalMs', value: input.intervalMs, expected: 'absent for this robot' },
    });
  }
  const windowStart = input.windowStart !== undefined ? input.windowStart : before.windowStart;
  const windowEnd = input.windowEnd !== undefined ? input.windowEnd : before.windowEnd;
  if ((windowStart === null) !== (windowEnd === null)) {
    const field = windowStart === null ? 'windowStart' : 'windowEnd';
    throw invalidInput(`${field}: a window needs both ends (HH:MM), or null for both`, {
      details: { field, value: null, expected: 'HH:MM, given together with the other end' },
    });
  }
  const changes: RobotChangeResult['changes'] = {};
  const patch: RobotPatch = {};
  for (const f of FIELDS) {
    const to = input[f];
    if (to === undefined || to === before[f]) continue;
    changes[f] = { from: before[f], to };
    Object.assign(patch, { [f]: to });
  }
  if (Object.keys(changes).length === 0) return { robot: before, changes };
  const now = Date.now();
  if (
    before.intervalMs !== null &&
    ('intervalMs' in changes || 'windowStart' in changes || 'windowEnd' in changes)
  ) {
    // Count the new interval from the last start; the scheduler moves it into the window.
    const interval = patch.intervalMs ?? before.intervalMs;
    patch.nextRunAt = Math.max(now, (before.lastStartedAt ?? now) + interval);
  }
  const robot = await s.store.robots.update(type, patch, actor, now);
  if (!robot) throw notFound(`robot ${type} disappeared`);
  await s.store.audit.append({
    at: now,
    actor,
    action: 'robot.update',
    subject: type,
    details: { changes },
  });
  const summary = Object.entries(changes)
    .map(([k, c]) => `${k} ${JSON.stringify(c.from)} -> ${JSON.stringify(c.to)}`)
    .join(', ');
  syslog
    ?.send({
      msgId: 'robot.update',
      at: now,
      data: { actor, robot: type, changes: JSON.stringify(changes) },
      message: `robot ${type} changed by ${actor}: ${summary}`,
    })
    .catch((err: unknown) =>
      s.log.warn({ err, robot: type }, 'syslog delivery of a robot change failed'),
    );
  await s.scheduler.refresh();
  s.engine.wake();
  return { robot, changes };
}
