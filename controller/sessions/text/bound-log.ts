/**
 * Keeps a readable log within what one stored record may hold (a MongoDB document is at
 * most 16 MiB): past the bound, screens go first, then each output keeps less of its
 * start and end, until it fits. What was cut is marked `truncated` on its command.
 */
import type { LoggedCommand, SessionLog } from './session-log';

export const MAX_LOG_CHARS = 8 * 1024 * 1024;

const size = (log: SessionLog) => JSON.stringify(log).length;

function cut(c: LoggedCommand, keep: number): LoggedCommand {
  if (c.output.length <= keep) return c;
  const half = Math.floor(keep / 2);
  return {
    ...c,
    output: `${c.output.slice(0, half)}\n[… ${c.output.length - 2 * half} characters omitted …]\n${c.output.slice(-half)}`,
    truncated: true,
  };
}

export function boundLog(log: SessionLog, maxChars = MAX_LOG_CHARS): SessionLog {
  if (size(log) <= maxChars) return log;
  let bounded: SessionLog = {
    ...log,
    commands: log.commands.map((c) =>
      c.screens.length > 1 ? { ...c, screens: c.screens.slice(-1), truncated: true } : c,
    ),
  };
  for (let keep = 16 * 1024; size(bounded) > maxChars && keep >= 64; keep = Math.floor(keep / 2))
    bounded = { ...bounded, commands: bounded.commands.map((c) => cut(c, keep)) };
  if (size(bounded) > maxChars)
    bounded = {
      ...bounded,
      commands: bounded.commands.map((c) => ({ ...c, screens: [], output: '', truncated: true })),
    };
  return bounded;
}
