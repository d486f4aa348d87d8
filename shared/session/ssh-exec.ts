import type { Client } from 'ssh2';
import type { ExecOptions } from './host-session';
import { countRoundTrip } from './round-trips';

export interface RawExecResult {
  code: number;
  stdout: Buffer;
  stderr: Buffer;
}

/** POSIX-shell single quoting: the remote side always parses our command with a shell. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function commandLine(cmd: string, args: string[]): string {
  return [cmd, ...args].map(shellQuote).join(' ');
}

/** Runs one command on an SSH connection; a timeout closes the channel and reports -1. */
export function execOverSsh(
  client: Client,
  command: string,
  opts: ExecOptions = {},
): Promise<RawExecResult> {
  countRoundTrip('execChannels');
  return new Promise((resolve, reject) => {
    client.exec(command, (err, channel) => {
      if (err) {
        reject(err);
        return;
      }
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let code = -1;
      const timer = setTimeout(() => {
        stderr.push(Buffer.from('\ntimed out'));
        channel.close();
      }, opts.timeoutMs ?? 60_000);
      channel.on('data', (d: Buffer) => stdout.push(d));
      channel.stderr.on('data', (d: Buffer) => stderr.push(d));
      channel.on('exit', (exitCode: number | null) => {
        if (typeof exitCode === 'number') code = exitCode;
      });
      channel.on('close', () => {
        clearTimeout(timer);
        resolve({ code, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr) });
      });
      channel.end(opts.stdin ?? '');
    });
  });
}
