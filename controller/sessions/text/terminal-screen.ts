/**
 * A headless terminal (xterm.js, the emulator the web terminal uses) that the recorded
 * output is played into, so the text read back is what the person saw: escape sequences,
 * cursor movement, backspace, line redraws and the alternate screen applied.
 */
import xterm from '@xterm/headless';

const { Terminal } = xterm;
type HeadlessTerminal = InstanceType<typeof Terminal>;

/** Sequences that leave the alternate screen (xterm forgets its content when it does). */
// eslint-disable-next-line no-control-regex -- the escape sequence is what is matched
const LEAVE_ALT = /\x1b\[\?(?:1049|1047|47)l/;

export class TerminalScreen {
  private readonly term: HeadlessTerminal;

  constructor(cols: number, rows: number, scrollback: number) {
    this.term = new Terminal({ cols, rows, scrollback, allowProposedApi: true });
  }

  /**
   * Plays output into the terminal. `beforeLeavingAlt` sees the alternate screen just
   * before a program leaves it, because afterwards it is gone.
   */
  async write(data: string, beforeLeavingAlt?: () => void): Promise<void> {
    let rest = data;
    for (;;) {
      const m = beforeLeavingAlt && this.inAlternate ? LEAVE_ALT.exec(rest) : null;
      if (!m) break;
      await this.writeRaw(rest.slice(0, m.index));
      beforeLeavingAlt?.();
      await this.writeRaw(m[0]);
      rest = rest.slice(m.index + m[0].length);
    }
    await this.writeRaw(rest);
  }

  private writeRaw(data: string): Promise<void> {
    if (data === '') return Promise.resolve();
    return new Promise((resolve) => this.term.write(data, resolve));
  }

  resize(cols: number, rows: number): void {
    this.term.resize(Math.max(2, Math.min(cols, 1000)), Math.max(1, Math.min(rows, 1000)));
  }

  get inAlternate(): boolean {
    return this.term.buffer.active.type === 'alternate';
  }

  /** The cursor's row as an index into the whole buffer (scrollback included). */
  get cursorRow(): number {
    const b = this.term.buffer.active;
    return b.baseY + b.cursorY;
  }

  get cursorColumn(): number {
    return this.term.buffer.active.cursorX;
  }

  /** Rows held (scrollback and screen); at scrollback + rows, the oldest are dropped. */
  get bufferLength(): number {
    return this.term.buffer.active.length;
  }

  /** The first row of the logical line the cursor is on (a long line wraps over rows). */
  logicalLineStart(row = this.cursorRow): number {
    const b = this.term.buffer.active;
    let r = row;
    while (r > 0 && b.getLine(r)?.isWrapped) r--;
    return r;
  }

  /**
   * The text of the logical line that ends on `row`, from its first row; `untilColumn`
   * cuts the last row there (the prompt is the line up to the cursor).
   */
  logicalLineText(row = this.cursorRow, untilColumn?: number): string {
    const b = this.term.buffer.active;
    const start = this.logicalLineStart(row);
    let text = '';
    for (let r = start; r <= row; r++) {
      const line = b.getLine(r);
      if (!line) break;
      text +=
        r === row
          ? line.translateToString(untilColumn === undefined, 0, untilColumn)
          : line.translateToString(false);
    }
    return text;
  }

  /** Rows [from, to) as lines of text, wrapped rows joined back into their line. */
  rowsText(from: number, to: number): string[] {
    const b = this.term.buffer.active;
    const lines: string[] = [];
    for (let r = Math.max(0, from); r < to; r++) {
      const line = b.getLine(r);
      if (!line) break;
      const next = b.getLine(r + 1);
      const wrapsOn = r + 1 < to && next?.isWrapped === true;
      const text = line.translateToString(!wrapsOn);
      if (line.isWrapped && lines.length > 0) lines[lines.length - 1] += text;
      else lines.push(text);
    }
    return lines;
  }

  /** The visible screen as text, trailing blank lines dropped. */
  screenText(): string {
    const b = this.term.buffer.active;
    const lines = this.rowsText(b.viewportY, b.viewportY + this.term.rows);
    while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
    return lines.join('\n');
  }

  /** Forgets everything above the cursor's row, which becomes row 0 (bounds memory). */
  forgetAboveCursor(): void {
    this.term.clear();
  }

  dispose(): void {
    this.term.dispose();
  }
}
