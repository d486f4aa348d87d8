import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertRecording } from '../../../controller/sessions/text/convert-recording';
import type { SessionLog } from '../../../controller/sessions/text/session-log';
import { startRecordedShell } from '../../helpers/recorded-shell';

const LEFT = '\x1b[D';
const BS = '\x7f';
const LONG = 'wrapped-'.repeat(12);
const PROMPT = /alice@web1:\S+\$ $/;

/** Records a real bash session that edits lines, completes, pages and colours. */
async function recordSession(dir: string, cwd: string) {
  const sh = startRecordedShell({ dir, cwd, cols: 80, rows: 24 });
  try {
    await sh.waitFor(PROMPT);
    // Backspace correction: "helo" -> "hel" -> "hello world"
    sh.type('echo helo');
    await sh.waitFor(/helo$/);
    sh.type(BS);
    // eslint-disable-next-line no-control-regex -- bash echoes Backspace as \b
    await sh.waitFor(/\x08/);
    sh.type('lo world\r');
    await sh.waitFor(PROMPT);
    // Arrow-left correction: "greting" becomes "greeting"
    sh.type("printf '%s\\n' greting");
    await sh.waitFor(/greting$/);
    sh.type(LEFT.repeat(4));
    // eslint-disable-next-line no-control-regex -- bash moves the cursor left with \b
    await sh.waitFor(/(\x1b\[D|\x08){4}$/);
    sh.type('e\r');
    await sh.waitFor(PROMPT);
    sh.type("seq 1 60 | sed 's/^/line /' > pager-input-file.txt\r");
    await sh.waitFor(PROMPT);
    // Tab completion of a unique file name
    sh.type('cat pager-in');
    await sh.waitFor(/pager-in$/);
    sh.type('\t');
    await sh.waitFor(/put-file\.txt $/);
    sh.type('\r');
    await sh.waitFor(PROMPT);
    // Coloured output
    sh.type("printf '\\033[1;31mALERT\\033[0m in \\033[32mgreen\\033[0m\\n'\r");
    await sh.waitFor(PROMPT);
    // A full-screen program in the alternate screen
    sh.type('less pager-input-file.txt\r');
    await sh.waitFor(/line 2[0-3]/);
    sh.type(' ');
    await sh.waitFor(/line 4[0-6]/);
    sh.type('q');
    await sh.waitFor(PROMPT);
    // A secret typed without echo never becomes text of the log
    sh.type("read -s -p 'Password: ' pw; echo\r");
    await sh.waitFor(/Password: $/);
    sh.type('s3cr3t-never-logged\r');
    await sh.waitFor(PROMPT);
    // A command line longer than the terminal is wide wraps onto a second row
    sh.type(`echo ${LONG}\r`);
    await sh.waitFor(PROMPT);
    // Ctrl-C interrupts a running command; the next line is read as usual
    sh.type('sleep 30\r');
    await sh.waitFor(/sleep 30\r\n/);
    await sh.inForeground('sleep');
    sh.type('\x03');
    await sh.waitFor(PROMPT);
    sh.type('echo after-interrupt\r');
    await sh.waitFor(PROMPT);
    sh.type('unset HISTFILE\r');
    await sh.waitFor(PROMPT);
    sh.type('exit\r');
    return await sh.exited();
  } catch (err) {
    sh.kill();
    throw err;
  }
}

describe('converting a real recorded bash session', () => {
  let dir: string;
  let log: SessionLog;
  let files: { output: string; input: string };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kwt-sesstext-'));
    const cwd = join(dir, 'home');
    await mkdir(cwd);
    files = await recordSession(dir, cwd);
    log = await convertRecording(files, { startedAt: 0 });
  }, 120_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gives each command line as the shell finally read it, after editing and completion', () => {
    expect(log.commands.map((c) => c.command)).toEqual([
      'echo hello world',
      "printf '%s\\n' greeting",
      "seq 1 60 | sed 's/^/line /' > pager-input-file.txt",
      'cat pager-input-file.txt',
      "printf '\\033[1;31mALERT\\033[0m in \\033[32mgreen\\033[0m\\n'",
      'less pager-input-file.txt',
      "read -s -p 'Password: ' pw; echo",
      `echo ${LONG}`,
      'sleep 30',
      'echo after-interrupt',
      'unset HISTFILE',
      'exit',
    ]);
    expect(log.commands.every((c) => c.prompt === 'alice@web1:~$')).toBe(true);
    expect(log.commands.map((c) => c.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it('keeps the output each command printed, colours and escapes applied', () => {
    const out = (cmd: string) => log.commands.find((c) => c.command.startsWith(cmd))?.output;
    expect(out('echo hello')).toBe('hello world');
    expect(out("printf '%s")).toBe('greeting');
    expect(out('cat pager')).toBe(Array.from({ length: 60 }, (_, i) => `line ${i + 1}`).join('\n'));
    expect(out("printf '\\033")).toBe('ALERT in green');
    expect(out('unset')).toBe('');
    expect(out('echo wrapped-')).toBe(LONG);
    expect(out('sleep 30')).toBe('^C');
    expect(out('echo after')).toBe('after-interrupt');
  });

  it('keeps what a full-screen program showed in the alternate screen, page by page', () => {
    const less = log.commands.find((c) => c.command.startsWith('less'))!;
    expect(less.output).toBe('');
    expect(less.screens[0]).toMatch(/^line 1\nline 2\n[^]*line 23\n/);
    expect(less.screens.some((s) => /^line 24\n[^]*line 46/.test(s))).toBe(true);
  });

  it('says which editing keys made a line, never the characters typed', () => {
    const keys = (cmd: string) => log.commands.find((c) => c.command.startsWith(cmd))?.keys;
    expect(keys('echo hello')).toBe('typed 17 characters; Backspace');
    expect(keys("printf '%s")).toBe('typed 22 characters; Left×4');
    expect(keys('cat pager')).toBe('typed 12 characters; Tab');
  });

  it('never turns input typed without echo into text of the log', async () => {
    const raw = await readFile(files.input, 'utf8');
    expect(raw).toContain('s3cr3t-never-logged'); // the recording has it; the log must not
    expect(JSON.stringify(log)).not.toContain('s3cr3t');
  });

  it('times each command on the recording clock, in order', () => {
    const header = JSON.parse(readFileSync(files.output, 'utf8').split('\n')[0]!) as {
      timestamp: number;
    };
    expect(log.startedAt).toBeGreaterThanOrEqual(Math.round(header.timestamp * 1000));
    for (const [i, c] of log.commands.entries()) {
      expect(c.endedAt).toBeGreaterThanOrEqual(c.startedAt);
      if (i > 0) expect(c.startedAt).toBeGreaterThanOrEqual(log.commands[i - 1]!.endedAt);
    }
    expect(log.endedAt).toBeGreaterThanOrEqual(log.commands.at(-1)!.endedAt);
  });
});
