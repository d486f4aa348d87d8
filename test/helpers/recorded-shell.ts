/**
 * A real bash in a real pseudo-terminal (Python's pty module, test/helpers/record-pty.py),
 * recorded as asciicast v2 the way the session gateway records: output and keys in two
 * files. A test types keys, waits for what the shell prints, and gets the recording.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const recorder = fileURLToPath(new URL('./record-pty.py', import.meta.url));

export interface RecordedShell {
  /** Sends keys as typed (escape sequences for arrows, \x7f for Backspace, \t, \r). */
  type(keys: string): void;
  /** Waits until output printed since the last wait matches; returns that output. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /**
   * Waits until a program of this name runs in the terminal's foreground, so that a key
   * such as Ctrl-C reaches it and not the shell that is still starting it.
   */
  inForeground(name: string, timeoutMs?: number): Promise<void>;
  /** Waits for the shell to exit; the recording files are complete then. */
  exited(timeoutMs?: number): Promise<{ output: string; input: string }>;
  kill(): void;
}

export function startRecordedShell(opts: {
  dir: string;
  cwd: string;
  /** The recording is NAME.cast and NAME.input.cast in `dir` (default: session). */
  name?: string;
  cols?: number;
  rows?: number;
  /** Environment besides a fixed prompt and TERM. */
  env?: Record<string, string>;
}): RecordedShell {
  const output = join(opts.dir, `${opts.name ?? 'session'}.cast`);
  const input = join(opts.dir, `${opts.name ?? 'session'}.input.cast`);
  // bash takes its prompt from an rc file, not from the environment
  const rcfile = join(opts.dir, 'bashrc');
  writeFileSync(rcfile, "PS1='alice@web1:\\W$ '\n");
  const child = spawn(
    'python3',
    [
      recorder,
      output,
      input,
      String(opts.cols ?? 80),
      String(opts.rows ?? 24),
      'bash',
      '--noprofile',
      '--rcfile',
      rcfile,
      '-i',
    ],
    {
      cwd: opts.cwd,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: opts.cwd,
        TERM: 'xterm-256color',
        LANG: 'C.UTF-8',
        INPUTRC: '/dev/null',
        HISTFILE: join(opts.dir, 'history'),
        ...opts.env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let printed = '';
  let seen = 0;
  let stderr = '';
  const waiters = new Set<() => void>();
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d: string) => {
    printed += d;
    for (const w of waiters) w();
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  return {
    type: (keys) => child.stdin.write(keys),
    waitFor: (pattern, timeoutMs = 20_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const m = pattern.exec(printed.slice(seen));
          if (!m) return false;
          const text = printed.slice(seen, seen + m.index + m[0].length);
          seen += m.index + m[0].length;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(text);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `the shell did not print ${pattern} within ${timeoutMs} ms; it printed: ${JSON.stringify(printed.slice(seen))} ${stderr}`,
            ),
          );
        }, timeoutMs);
        if (!check()) waiters.add(check);
      }),
    inForeground: async (name, timeoutMs = 20_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!foregroundProgram(child.pid, name)) {
        if (Date.now() > deadline)
          throw new Error(
            `${name} did not run in the terminal's foreground within ${timeoutMs} ms`,
          );
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    exited: async (timeoutMs = 20_000) => {
      child.stdin.end();
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([
        exit,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`the shell did not exit: ${stderr}`)),
            timeoutMs,
          );
        }),
      ]).finally(() => clearTimeout(timer));
      if (code !== 0) throw new Error(`the recorder exited with ${code}: ${stderr}`);
      return { output, input };
    },
    kill: () => child.kill('SIGKILL'),
  };
}

/** Children of a process, from /proc (the recorder's child is the shell). */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .split(' ')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** True when a grandchild of the recorder named `name` leads the terminal's foreground group. */
function foregroundProgram(recorderPid: number | undefined, name: string): boolean {
  if (recorderPid === undefined) return false;
  for (const shell of childrenOf(recorderPid)) {
    for (const pid of childrenOf(shell)) {
      let stat: string;
      try {
        stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      } catch {
        continue;
      }
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      // after the command: state ppid pgrp session tty_nr tpgid
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (comm === name && f[2] === f[5]) return true;
    }
  }
  return false;
}
