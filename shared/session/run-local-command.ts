import { spawn } from 'node:child_process';
import type { ExecOptions, ExecResult } from './host-session';

const DEFAULT_TIMEOUT_MS = 60_000;

/** Runs a program without a shell, feeding stdin, and never rejects for a non-zero exit. */
export function runLocalCommand(
  cmd: string,
  args: string[],
  opts: ExecOptions = {},
): Promise<ExecResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let settled = false;
    const finish = (result: ExecResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish({ code: -1, stdout: text(stdout), stderr: `${text(stderr)}\ntimed out` });
    }, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    child.stdout.on('data', (d: Buffer) => stdout.push(d));
    child.stderr.on('data', (d: Buffer) => stderr.push(d));
    child.on('error', (err) => finish({ code: -1, stdout: '', stderr: err.message }));
    child.on('close', (code) =>
      finish({ code: code ?? -1, stdout: text(stdout), stderr: text(stderr) }),
    );
    // A command that exits without reading stdin closes the pipe: that is not our failure.
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.stdin ?? '');
  });
}

function text(chunks: Buffer[]): string {
  return Buffer.concat(chunks).toString('utf8');
}
