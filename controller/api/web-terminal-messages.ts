/**
 * What the console's web terminal may send over its WebSocket, and how much: JSON text
 * messages `{type: 'input', data}` (keystrokes, a paste) and `{type: 'resize', cols, rows}`.
 * Anything else ends the terminal with a sentence saying what was wrong; so does more than
 * a person could type or paste (a browser gone wrong, or a script).
 */

/** Per second: messages and bytes. A fast typist sends tens; a paste is one message. */
export const MAX_MESSAGES_PER_SECOND = 200;
export const MAX_BYTES_PER_SECOND = 256 * 1024;
const MAX_COLS = 1000;
const MAX_ROWS = 500;

export type TerminalMessage =
  | { ok: true; type: 'input'; data: string }
  | { ok: true; type: 'resize'; cols: number; rows: number }
  | { ok: false; reason: string };

const isSize = (n: unknown, max: number): n is number =>
  typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= max;

export function parseTerminalMessage(raw: Buffer, isBinary: boolean): TerminalMessage {
  if (isBinary)
    return { ok: false, reason: 'the terminal sends JSON text messages, not binary ones' };
  let m: unknown;
  try {
    m = JSON.parse(raw.toString('utf8'));
  } catch {
    return { ok: false, reason: 'a terminal message was not JSON' };
  }
  const o = (typeof m === 'object' && m !== null ? m : {}) as Record<string, unknown>;
  if (o.type === 'input' && typeof o.data === 'string')
    return { ok: true, type: 'input', data: o.data };
  if (o.type === 'resize') {
    if (isSize(o.cols, MAX_COLS) && isSize(o.rows, MAX_ROWS))
      return { ok: true, type: 'resize', cols: o.cols, rows: o.rows };
    return {
      ok: false,
      reason: `a resize needs whole cols 1-${MAX_COLS} and rows 1-${MAX_ROWS}, not ${JSON.stringify({ cols: o.cols, rows: o.rows })}`,
    };
  }
  return {
    ok: false,
    reason: `unknown terminal message ${JSON.stringify(String(o.type ?? '')).slice(0, 40)}: expected input or resize`,
  };
}

/** The size asked in the URL, within bounds, or the fallback. */
export function terminalSize(
  cols: string | undefined,
  rows: string | undefined,
  fallback: { cols: number; rows: number },
): { cols: number; rows: number } {
  const c = Number(cols);
  const r = Number(rows);
  return {
    cols: isSize(c, MAX_COLS) ? c : fallback.cols,
    rows: isSize(r, MAX_ROWS) ? r : fallback.rows,
  };
}

/** Counts messages in one-second windows; says why when a window holds too much. */
export class TerminalRate {
  private windowStart = 0;
  private messages = 0;
  private bytes = 0;

  constructor(private readonly clock: () => number = Date.now) {}

  count(size: number): string | null {
    const now = this.clock();
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.messages = 0;
      this.bytes = 0;
    }
    this.messages += 1;
    this.bytes += size;
    if (this.messages > MAX_MESSAGES_PER_SECOND || this.bytes > MAX_BYTES_PER_SECOND)
      return `the browser sent more than ${MAX_MESSAGES_PER_SECOND} messages or ${MAX_BYTES_PER_SECOND / 1024} KiB in a second: the web terminal was closed`;
    return null;
  }
}
