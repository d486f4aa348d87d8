/** Runs keywarden-controller as a real child process, as `npm start` would. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export interface ControllerProcess {
  proc: ChildProcess;
  url: string;
  output: () => string;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

const root = path.resolve(import.meta.dirname, '../..');

export async function spawnController(
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<ControllerProcess> {
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'controller/main.ts')], {
    cwd: root,
    env: {
      ...process.env,
      KEYWARDEN_HTTP_ADDR: '127.0.0.1:0',
      // Free ports, as test-controller.ts: no contention for 8443 between suites.
      KEYWARDEN_GRPC_ADDR: '127.0.0.1:0',
      KEYWARDEN_ENROLL_ADDR: '127.0.0.1:0',
      KEYWARDEN_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    proc.once('exit', (code) => resolve(code)),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`controller did not start in ${timeoutMs} ms:\n${out}`)),
      timeoutMs,
    );
    const check = () => {
      const m = /admin API (http:\/\/\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    proc.stdout?.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`controller exited with ${code} before listening:\n${out}`));
    });
  });
  return {
    proc,
    url,
    output: () => out,
    kill: async (signal = 'SIGTERM') => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}
