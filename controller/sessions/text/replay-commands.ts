/**
 * Splits a recorded session into commands. The output is played into a terminal emulator
 * and the keys typed tell where each command line ends:
 *
 * - the first key typed after a command was read starts a line; the text left of the
 *   cursor then is its prompt;
 * - Enter ends it, and when the shell echoes the newline, the line on the screen (after
 *   every backspace, arrow-key correction and completion the shell drew) is the command;
 * - everything the terminal showed from there to the row where the next command line
 *   starts is its output; what a full-screen program drew in the alternate screen is kept
 *   as the screens seen when a key was pressed there.
 *
 * A line whose text is empty after its prompt (Enter at an empty prompt, a password typed
 * without echo) is no command: its row stays in the running command's output. Output
 * before the first command (the login banner) is an entry with an empty command.
 */
import type { Recording } from './asciicast';
import { KeyTally } from './keys-summary';
import type { LoggedCommand, SessionLog } from './session-log';
import { TerminalScreen } from './terminal-screen';

export interface ReplayLimits {
  /** Rows of output one command keeps (beyond them, the earliest rows are lost). */
  scrollbackRows: number;
  /** Characters of output kept per command: the first and last halves of this. */
  maxOutputChars: number;
  maxScreensPerCommand: number;
  maxScreenChars: number;
  maxCommands: number;
}

export const DEFAULT_REPLAY_LIMITS: ReplayLimits = {
  scrollbackRows: 5000,
  maxOutputChars: 64 * 1024,
  maxScreensPerCommand: 50,
  maxScreenChars: 16 * 1024,
  maxCommands: 20_000,
};

interface TypedLine {
  /** Row of the first key; -1 when typed ahead (pasted) before its prompt was drawn. */
  startRow: number;
  prompt: string;
  startedAt: number;
  keys: KeyTally;
  /** The last output before the first key: when the command before it ended. */
  previousOutputAt: number;
}

interface Draft extends LoggedCommand {
  outputStartRow: number;
}

export async function replayCommands(
  rec: Recording,
  startMs: number,
  limits: ReplayLimits = DEFAULT_REPLAY_LIMITS,
): Promise<SessionLog> {
  const screen = new TerminalScreen(rec.width, rec.height, limits.scrollbackRows);
  const at = (time: number) => Math.round(startMs + time * 1000);
  const commands: LoggedCommand[] = [];
  let running: Draft = draft(0, '', '', '', startMs, 0);
  let line: TypedLine | null = null;
  const entered: TypedLine[] = [];
  let lastOutputAt = startMs;
  let lastPrompt = '';

  const snapshotScreen = () => addScreen(running, screen.screenText(), limits);

  const finish = (endRow: number, endedAt: number) => {
    const rows = screen.rowsText(running.outputStartRow, endRow);
    const promptLine = lastPrompt.trim();
    const kept = rows.filter((r) => promptLine === '' || r.trim() !== promptLine);
    while (kept.length > 0 && kept[kept.length - 1]!.trim() === '') kept.pop();
    setOutput(running, kept.join('\n'), limits);
    running.endedAt = Math.max(running.startedAt, endedAt);
    const { outputStartRow: _row, ...done } = running;
    if (done.command === '' && done.output === '' && done.screens.length === 0) return;
    if (commands.length < limits.maxCommands) commands.push(done);
    else if (commands.length > 0) commands[commands.length - 1]!.truncated = true;
  };

  const capture = (typed: TypedLine) => {
    const row = screen.cursorRow;
    const text = screen.logicalLineText(row).trimEnd();
    // Trailing blanks of a prompt are not told apart from an empty line: compare trimmed.
    let prompt = (typed.startRow >= 0 ? typed.prompt : lastPrompt).trimEnd();
    // A line started by a key sent to a program that then exited: the shell's prompt is known.
    if (!text.startsWith(prompt) && lastPrompt !== '' && text.startsWith(lastPrompt))
      prompt = lastPrompt;
    const command = (text.startsWith(prompt) ? text.slice(prompt.length) : text).trim();
    if (command === '') return; // an empty Enter or input to the running program
    const outputEnd = typed.startRow >= 0 ? typed.startRow : screen.logicalLineStart(row);
    finish(outputEnd, typed.previousOutputAt);
    const seq = commands.length;
    running = draft(seq, prompt, command, typed.keys.summary(), typed.startedAt, 0);
    lastPrompt = prompt;
    // Rows above the command line are done with: the terminal need not keep them.
    screen.forgetAboveCursor();
    running.outputStartRow = screen.cursorRow + 1;
  };

  for (const ev of rec.events) {
    if (ev.code === 'r') {
      const [cols, rows] = ev.data.split('x').map(Number);
      screen.resize(cols!, rows!);
    } else if (ev.code === 'i') {
      if (screen.inAlternate) {
        snapshotScreen();
        continue;
      }
      // eslint-disable-next-line no-control-regex -- Enter and Ctrl-C end what is typed
      for (const part of ev.data.split(/(?<=[\r\n\x03])/)) {
        if (!line) {
          const typedAhead = entered.length > 0;
          line = {
            startRow: typedAhead ? -1 : screen.cursorRow,
            prompt: typedAhead
              ? lastPrompt
              : screen.logicalLineText(screen.cursorRow, screen.cursorColumn),
            startedAt: at(ev.time),
            keys: new KeyTally(),
            previousOutputAt: lastOutputAt,
          };
        }
        line.keys.add(part);
        if (/[\r\n]$/.test(part)) {
          entered.push(line);
          line = null;
        } else if (part.endsWith('\x03')) {
          // Ctrl-C interrupts the program or drops the line typed: the next key starts afresh.
          line = null;
        }
      }
    } else {
      let data = ev.data;
      // The shell echoes Enter as a newline: the line just before it is the command.
      for (let nl = data.indexOf('\n'); entered.length > 0 && nl >= 0; nl = data.indexOf('\n')) {
        if (screen.inAlternate) break;
        await screen.write(data.slice(0, nl), snapshotScreen);
        capture(entered.shift()!);
        data = data.slice(nl);
        await screen.write('\n', snapshotScreen);
        data = data.slice(1);
      }
      await screen.write(data, snapshotScreen);
      if (screen.bufferLength >= limits.scrollbackRows + rec.height) running.truncated = true;
      lastOutputAt = at(ev.time);
    }
  }
  if (screen.inAlternate) snapshotScreen();
  finish(line && line.startRow >= 0 ? line.startRow : screen.cursorRow + 1, lastOutputAt);
  screen.dispose();
  const first = rec.events[0];
  const last = rec.events[rec.events.length - 1];
  return {
    version: 1,
    commands,
    width: rec.width,
    height: rec.height,
    outputBytes: rec.outputBytes,
    inputBytes: rec.inputBytes,
    startedAt: first ? at(first.time) : startMs,
    endedAt: last ? at(last.time) : startMs,
  };
}

function draft(
  seq: number,
  prompt: string,
  command: string,
  keys: string,
  startedAt: number,
  outputStartRow: number,
): Draft {
  return {
    seq,
    prompt,
    command,
    output: '',
    screens: [],
    keys,
    startedAt,
    endedAt: startedAt,
    truncated: false,
    outputStartRow,
  };
}

function setOutput(d: Draft, text: string, limits: ReplayLimits): void {
  if (text.length <= limits.maxOutputChars) {
    d.output = text;
    return;
  }
  const half = Math.floor(limits.maxOutputChars / 2);
  const omitted = text.length - 2 * half;
  d.output = `${text.slice(0, half)}\n[… ${omitted} characters omitted …]\n${text.slice(-half)}`;
  d.truncated = true;
}

function addScreen(d: Draft, text: string, limits: ReplayLimits): void {
  const t = text.length > limits.maxScreenChars ? text.slice(0, limits.maxScreenChars) : text;
  if (t.trim() === '' || d.screens[d.screens.length - 1] === t) return;
  if (d.screens.length >= limits.maxScreensPerCommand) {
    d.truncated = true;
    return;
  }
  d.screens.push(t);
}
