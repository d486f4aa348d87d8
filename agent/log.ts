/** Logs as JSON lines on stderr (journald keeps them when run by systemd). */
export type AgentLog = (
  level: 'info' | 'warn' | 'error',
  msg: string,
  fields?: Record<string, unknown>,
) => void;

export const log: AgentLog = (level, msg, fields = {}) => {
  process.stderr.write(
    `${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`,
  );
};
