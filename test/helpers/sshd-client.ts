import { spawn } from 'node:child_process';

export interface SshLoginOptions {
  host: string;
  port: number;
  user: string;
  identityFile: string;
  /** Local address to connect from (`ssh -b`), to test `from=` restrictions. */
  bindAddress?: string;
}

/** Runs the real OpenSSH client (`ssh ... true`); resolves with its exit code and stderr. */
export function sshLogin(opts: SshLoginOptions): Promise<{ code: number; stderr: string }> {
  const args = [
    ...(opts.bindAddress ? ['-b', opts.bindAddress] : []),
    '-i',
    opts.identityFile,
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'BatchMode=yes',
    '-o',
    'ConnectTimeout=5',
    '-o',
    'LogLevel=ERROR',
    '-p',
    String(opts.port),
    `${opts.user}@${opts.host}`,
    'true',
  ];
  return new Promise((resolve) => {
    const child = spawn('ssh', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stderr }));
  });
}
