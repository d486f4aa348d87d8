/**
 * The "input log" of a command line: which editing keys were used, never the characters
 * typed (a password typed at a prompt that echoes stars would otherwise land in the log).
 */

const NAMED: Array<[string, string]> = [
  ['\x1b[A', 'Up'],
  ['\x1bOA', 'Up'],
  ['\x1b[B', 'Down'],
  ['\x1bOB', 'Down'],
  ['\x1b[C', 'Right'],
  ['\x1bOC', 'Right'],
  ['\x1b[D', 'Left'],
  ['\x1bOD', 'Left'],
  ['\x1b[H', 'Home'],
  ['\x1bOH', 'Home'],
  ['\x1b[F', 'End'],
  ['\x1bOF', 'End'],
  ['\x1b[3~', 'Delete'],
  ['\x7f', 'Backspace'],
  ['\b', 'Backspace'],
  ['\t', 'Tab'],
  ['\r', 'Enter'],
  ['\n', 'Enter'],
];

/** Counts keys of one line as it is typed. */
export class KeyTally {
  private printable = 0;
  private readonly named = new Map<string, number>();

  add(data: string): void {
    let i = 0;
    outer: while (i < data.length) {
      for (const [seq, name] of NAMED) {
        if (data.startsWith(seq, i)) {
          this.count(name);
          i += seq.length;
          continue outer;
        }
      }
      const c = data.charCodeAt(i);
      if (c === 0x1b) {
        // another escape sequence (a function key, Alt+key): named by what it is, once
        // eslint-disable-next-line no-control-regex -- escape sequences are what is parsed
        const m = /^\x1b(?:\[[0-9;?]*[ -/]*[@-~]|O.|.)?/s.exec(data.slice(i));
        this.count('Esc');
        i += m?.[0].length || 1;
      } else if (c < 0x20) {
        this.count(`Ctrl-${String.fromCharCode(c + 64)}`);
        i++;
      } else {
        this.printable++;
        i += c >= 0xd800 && c <= 0xdbff ? 2 : 1;
      }
    }
  }

  private count(name: string): void {
    this.named.set(name, (this.named.get(name) ?? 0) + 1);
  }

  /** "typed 12 characters; Tab, Backspace×2, Left×3" (Enter is implied and left out). */
  summary(): string {
    const keys = [...this.named]
      .filter(([name]) => name !== 'Enter')
      .map(([name, n]) => (n > 1 ? `${name}×${n}` : name));
    const typed = `typed ${this.printable} character${this.printable === 1 ? '' : 's'}`;
    return keys.length > 0 ? `${typed}; ${keys.join(', ')}` : typed;
  }
}
